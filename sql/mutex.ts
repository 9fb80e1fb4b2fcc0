/**
 * Serialises async work: each run starts when the previous one has settled. The adapters take their
 * writes (and ClickHouse its folds) through one, because a batch's look-up and insert go together and
 * DuckDB takes one writer.
 */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
