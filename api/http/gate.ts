import { CarrelloError, type ErrorCode } from '../../errors/carrelloError.ts';

/** A bound on one client's share of a Gate: at most `max` places per key, refused with `code`. */
export interface PerKeyBound {
  max: number;
  code: ErrorCode;
  /** The setting that holds `max`, named in the refusal. */
  setting: string;
}

/**
 * Bounds how much of one kind of work runs at once, overall and, when given a PerKeyBound, per client
 * key. Over a bound the client is told at once (429 with Retry-After) rather than queued: a queue would
 * only hold sockets open while the engine is saturated.
 */
export class Gate {
  private active = 0;
  private readonly byKey = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly code: ErrorCode,
    private readonly what: string,
    private readonly perKey?: PerKeyBound,
  ) {}

  /** Places taken now (for the slot gauge in /metrics). */
  get inUse(): number {
    return this.active;
  }

  /** Takes a place (for `key`, when per-key bound) or throws 429; call the returned function exactly once to give it back. */
  enter(key = ''): () => void {
    const mine = this.byKey.get(key) ?? 0;
    // The per-key bound is checked first: a client over its own share is told so, not that the server is busy.
    if (this.perKey && mine >= this.perKey.max) {
      throw new CarrelloError(
        this.perKey.code,
        `this client already runs ${this.perKey.max} ${this.what}, the limit per key (${this.perKey.setting}); wait for one to finish`,
        {
          limit: this.perKey.max,
          limit_name: this.perKey.setting,
        },
      );
    }
    if (this.active >= this.max) {
      throw new CarrelloError(this.code, `${this.max} ${this.what} are already running, the limit; try again shortly`, { limit: this.max });
    }
    this.active++;
    if (this.perKey) this.byKey.set(key, mine + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.active--;
      if (!this.perKey) return;
      const n = (this.byKey.get(key) ?? 1) - 1;
      if (n === 0) this.byKey.delete(key);
      else this.byKey.set(key, n);
    };
  }
}
