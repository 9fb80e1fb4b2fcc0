/**
 * A fixed number of slots taken first come, first served. A waiter that reaches its deadline before a
 * slot frees leaves the queue and is told so (`undefined`), so waiting counts against a query's time.
 */
export class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(count: number) {
    this.free = count;
  }

  /** Runs fn in a slot, or resolves undefined without running it when deadlineMs passes first. */
  async run<T>(deadlineMs: number, fn: (remainingMs: number) => Promise<T>): Promise<{ value: T } | undefined> {
    if (!(await this.take(deadlineMs))) return undefined;
    try {
      return { value: await fn(deadlineMs - Date.now()) };
    } finally {
      this.release();
    }
  }

  private take(deadlineMs: number): Promise<boolean> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const grant = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(
        () => {
          this.waiting.splice(this.waiting.indexOf(grant), 1);
          resolve(false);
        },
        Math.max(0, deadlineMs - Date.now()),
      );
      this.waiting.push(grant);
    });
  }

  private release(): void {
    // INVARIANT: a freed slot passes straight to the first waiter, never back to the pool while
    // someone waits, so a newcomer cannot overtake the queue.
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}
