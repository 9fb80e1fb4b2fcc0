/**
 * What a worker may commit, per partition, while several of its batches are being written at once.
 *
 * A batch is taken (its offsets noted with the partition's current epoch) before it is written, and
 * reported durable or failed afterwards. Writes finish in the order they were submitted (the batcher
 * writes one batch at a time, first come first written), but a failed batch must stop every later batch
 * of its partition from committing past it: a failure (and a rebalance, which hands partitions out
 * again) starts a new epoch, and a report from an older epoch commits nothing.
 *
 * INVARIANT: toCommit() only ever names an offset whose every earlier message, from the last committed
 * position, was reported durable in the current epoch.
 */
export class OffsetLedger {
  private readonly partitions = new Map<number, { epoch: number; durable: bigint | null; committed: bigint | null; high: bigint; rewoundTo: bigint | null }>();

  private entry(partition: number) {
    let e = this.partitions.get(partition);
    if (!e) {
      e = { epoch: 0, durable: null, committed: null, high: 0n, rewoundTo: null };
      this.partitions.set(partition, e);
    }
    return e;
  }

  /** The epoch a batch of this partition is taken in. */
  epoch(partition: number): number {
    return this.entry(partition).epoch;
  }

  /** The batch ending at `lastOffset`, taken in `epoch`, is durable. False if its epoch has passed. */
  durable(partition: number, epoch: number, lastOffset: bigint, highWatermark: bigint): boolean {
    const e = this.entry(partition);
    if (e.epoch !== epoch) return false;
    e.durable = lastOffset + 1n;
    if (highWatermark > e.high) e.high = highWatermark;
    return true;
  }

  /**
   * The batch starting at `firstOffset`, taken in `epoch`, failed. Returns the offset the partition must
   * be fetched again from (and starts a new epoch), or null when an earlier failure already rewound it
   * to that offset or below. A batch refused before its turn to be written (a full queue) can fail after
   * a later one of its epoch: it then rewinds the partition further.
   */
  failed(partition: number, epoch: number, firstOffset: bigint): bigint | null {
    const e = this.entry(partition);
    if (e.epoch !== epoch && (e.rewoundTo === null || firstOffset >= e.rewoundTo)) return null;
    e.epoch += 1;
    e.durable = null;
    e.rewoundTo = firstOffset;
    return firstOffset;
  }

  /** Partitions were handed out again: nothing taken before may commit, and the next fetch starts from the committed offsets. */
  reassigned(): void {
    for (const e of this.partitions.values()) {
      e.epoch += 1;
      e.durable = null;
      e.committed = null;
      e.rewoundTo = null;
    }
  }

  /** Next offsets to commit: durable and not yet committed. */
  toCommit(): { partition: number; offset: bigint; high: bigint }[] {
    const out: { partition: number; offset: bigint; high: bigint }[] = [];
    for (const [partition, e] of this.partitions) {
      if (e.durable !== null && (e.committed === null || e.durable > e.committed)) out.push({ partition, offset: e.durable, high: e.high });
    }
    return out;
  }

  committed(partition: number, offset: bigint): void {
    const e = this.entry(partition);
    if (e.committed === null || offset > e.committed) e.committed = offset;
  }
}
