import { ApiError } from '../problem.ts';

/**
 * Bounds how much of one kind of work runs at once. Over the bound the client is told at once (429 with
 * Retry-After) rather than queued: a queue would only hold sockets open while the engine is saturated.
 */
export class Gate {
  private active = 0;

  constructor(
    private readonly max: number,
    private readonly code: string,
    private readonly what: string,
  ) {}

  /** Takes a place or throws 429; call the returned function exactly once to give it back. */
  enter(): () => void {
    if (this.active >= this.max) {
      throw Object.assign(new ApiError(429, this.code, `${this.max} ${this.what} are already running, the limit; try again shortly`, { limit: this.max }), {
        headers: { 'Retry-After': '1' },
      });
    }
    this.active++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.active--;
    };
  }
}
