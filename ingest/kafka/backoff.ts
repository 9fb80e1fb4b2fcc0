/** Exponential backoff per key (a partition): min, 2·min, 4·min, … up to max, with ±20 % jitter; reset on success. */
export class Backoff {
  private readonly attempts = new Map<number, number>();

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  next(key: number): number {
    const n = this.attempts.get(key) ?? 0;
    this.attempts.set(key, n + 1);
    const base = Math.min(this.maxMs, this.minMs * 2 ** Math.min(n, 30));
    return Math.round(base * (0.8 + 0.4 * this.random()));
  }

  reset(key: number): void {
    this.attempts.delete(key);
  }
}
