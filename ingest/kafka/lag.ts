import type { Admin } from 'kafkajs';
import type { Logger } from 'pino';
import type { IngestMetrics } from '../metrics.ts';

/**
 * Consumer lag per assigned partition: end offset minus the group's committed offset (the earliest
 * offset when nothing is committed yet). Set at once after each commit, and polled through the admin
 * client every `intervalMs` so that it stays right when no batch flows (an idle or stuck partition).
 */
export class LagMonitor {
  private assigned: readonly number[] = [];
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;

  constructor(
    private readonly admin: Admin,
    private readonly topic: string,
    private readonly groupId: string,
    private readonly metrics: IngestMetrics,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    const tick = () => {
      this.polling = this.refresh()
        .catch((err: unknown) => this.log.debug({ err: (err as Error).message }, 'consumer lag poll failed'))
        .finally(() => {
          this.polling = null;
          if (this.timer) this.timer = setTimeout(tick, this.intervalMs).unref();
        });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.polling;
    for (const p of this.assigned) this.metrics.consumerLag.remove({ topic: this.topic, partition: String(p) });
  }

  /** The partitions this worker owns since its last join; series of partitions it gave up are removed. */
  setAssignment(partitions: readonly number[]): void {
    const keep = new Set(partitions);
    for (const p of this.assigned) if (!keep.has(p)) this.metrics.consumerLag.remove({ topic: this.topic, partition: String(p) });
    this.assigned = [...partitions].sort((a, b) => a - b);
  }

  committed(partition: number, nextOffset: bigint, highWatermark: bigint): void {
    const lag = highWatermark > nextOffset ? highWatermark - nextOffset : 0n;
    this.metrics.consumerLag.set({ topic: this.topic, partition: String(partition) }, Number(lag));
  }

  /** Reads end and committed offsets now and sets the gauge of every assigned partition. */
  async refresh(): Promise<void> {
    if (this.assigned.length === 0) return;
    const [ends, groups] = await Promise.all([
      this.admin.fetchTopicOffsets(this.topic),
      this.admin.fetchOffsets({ groupId: this.groupId, topics: [this.topic] }),
    ]);
    const committed = new Map((groups[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    for (const partition of this.assigned) {
      const end = ends.find((e) => e.partition === partition);
      if (!end) continue;
      const done = committed.get(partition) ?? -1n;
      const from = done >= 0n ? done : BigInt(end.low);
      const lag = BigInt(end.high) - from;
      this.metrics.consumerLag.set({ topic: this.topic, partition: String(partition) }, Number(lag > 0n ? lag : 0n));
    }
  }
}
