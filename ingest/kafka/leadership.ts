/**
 * Which ingest worker of the consumer group does the group's single-writer work (the cart lifecycle's
 * detection and deliveries, docs/lifecycle.md): the one the group coordinator assigned partition 0 of the
 * event topic. Kafka gives a partition to one member at a time, so no lease table is needed, and a worker
 * that leaves or dies hands it on with the rebalance.
 *
 * A worker gives it up as soon as it sees a rebalance start, stops or crashes, and pauses it while its
 * last heartbeat is older than half the session timeout: a worker cut off from the coordinator stops
 * acting before the coordinator (which waits the whole session timeout) gives the partition to another. The
 * store keeps the work idempotent (announcement ids, positions written after acknowledgements), so an
 * overlap the fence does not prevent (a process paused longer than the session) repeats a delivery at
 * worst: receivers deduplicate on the id.
 */
export class GroupLeadership {
  private holds = false;
  private lastBeatMs = 0;
  private term = new AbortController();

  constructor(
    private readonly fenceMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.term.abort();
  }

  /** The assignment after a (re)join. */
  assigned(partitions: readonly number[]): void {
    const holds = partitions.includes(0);
    if (holds && !this.holds) {
      this.term = new AbortController();
      this.lastBeatMs = this.now();
    }
    if (!holds) this.lose();
    this.holds = holds;
  }

  /** A heartbeat the coordinator answered. */
  heartbeat(): void {
    this.lastBeatMs = this.now();
  }

  /** A rebalance started, or the consumer stopped or crashed. */
  lose(): void {
    if (!this.holds) return;
    this.holds = false;
    this.term.abort();
  }

  /**
   * Whether this worker leads now: it holds partition 0 and its last heartbeat is recent. A heartbeat gap
   * ends the term (its signal aborts); the next heartbeat, if the partition is still held, starts another.
   */
  active(): boolean {
    if (!this.holds) return false;
    const fresh = this.now() - this.lastBeatMs <= this.fenceMs;
    if (!fresh && !this.term.signal.aborted) this.term.abort();
    if (fresh && this.term.signal.aborted) this.term = new AbortController();
    return fresh;
  }

  /** Aborted when the current term ends (already aborted while not leading). */
  get signal(): AbortSignal {
    return this.term.signal;
  }
}
