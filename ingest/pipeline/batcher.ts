import type { WriteResult } from '../../sql/rows.ts';
import type { AcceptedEvent, Processed, RejectedMessage } from './process.ts';
import { CarrelloError } from '../../errors/carrelloError.ts';

/** What a batch's write reports: the counts, and the valid events the warehouse refused (refused, not stored). */
export interface BatchResult extends WriteResult {
  refused: readonly RejectedMessage[];
}

export type BatchSink = (events: readonly AcceptedEvent[], rejected: readonly RejectedMessage[]) => Promise<BatchResult>;

export interface BatcherOptions {
  /** Flush when this many messages wait (default 5,000). */
  maxBatch: number;
  /** Flush at the latest this long after the first message of a batch arrived (default 20 ms). */
  maxWaitMs: number;
  /** Refuse new messages beyond this many waiting (default 100,000): back-pressure, not unbounded memory. */
  maxPending: number;
}

export const DEFAULT_BATCHER: BatcherOptions = { maxBatch: 5_000, maxWaitMs: 20, maxPending: 100_000 };

interface Waiter {
  items: readonly Processed[];
  resolve: (r: BatchResult) => void;
  reject: (e: unknown) => void;
}

/**
 * Groups messages by count and by time and writes them one batch at a time.
 * INVARIANT: a submit() promise resolves only after the batch holding its messages is durable in
 * the warehouse; if that write fails, it rejects and nothing of it may be acknowledged.
 */
export class Batcher {
  private waiting: Waiter[] = [];
  private waitingCount = 0;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  private closed = false;
  /** What /v1/stats shows as `ingest` (snake_case, like every JSON answer). */
  readonly totals = { inserted: 0, duplicates: 0, rejected: 0, batches: 0, failed_batches: 0 };

  constructor(
    private readonly sink: BatchSink,
    private readonly opts: BatcherOptions = DEFAULT_BATCHER,
  ) {}

  get pending(): number {
    return this.waitingCount;
  }

  submit(items: readonly Processed[]): Promise<BatchResult> {
    if (this.closed) return Promise.reject(new Error('ingest pipeline is closed'));
    if (this.waitingCount + items.length > this.opts.maxPending) {
      const message = `ingest queue is full (${this.waitingCount} waiting, limit ${this.opts.maxPending}); retry later`;
      return Promise.reject(new CarrelloError('overloaded', message, { pending: this.waitingCount, limit: this.opts.maxPending }));
    }
    if (items.length === 0) return Promise.resolve({ inserted: 0, duplicates: 0, rejected: 0, refused: [] });
    return new Promise<BatchResult>((resolve, reject) => {
      this.waiting.push({ items, resolve, reject });
      this.waitingCount += items.length;
      if (this.waitingCount >= this.opts.maxBatch) this.kick();
      else this.timer ??= setTimeout(() => this.kick(), this.opts.maxWaitMs);
    });
  }

  /** Writes everything waiting, then refuses new messages. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.waitingCount > 0 || this.writing) {
      this.kick();
      await this.writing;
    }
  }

  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.writing || this.waitingCount === 0) return;
    this.writing = this.writeNext().finally(() => {
      this.writing = null;
      if (this.waitingCount >= this.opts.maxBatch || (this.closed && this.waitingCount > 0)) this.kick();
      else if (this.waitingCount > 0) this.timer ??= setTimeout(() => this.kick(), this.opts.maxWaitMs);
    });
  }

  private async writeNext(): Promise<void> {
    const batch: Waiter[] = [];
    let count = 0;
    // Whole submissions only, so one request is acknowledged by exactly one write.
    while (this.waiting.length > 0 && (count === 0 || count + this.waiting[0]!.items.length <= this.opts.maxBatch)) {
      const w = this.waiting.shift()!;
      batch.push(w);
      count += w.items.length;
    }
    this.waitingCount -= count;
    const events: AcceptedEvent[] = [];
    const rejected: RejectedMessage[] = [];
    for (const w of batch) {
      for (const p of w.items) {
        if (p.kind === 'event') events.push(p);
        else rejected.push(p);
      }
    }
    try {
      const result = await this.sink(events, rejected);
      this.totals.inserted += result.inserted;
      this.totals.duplicates += result.duplicates;
      this.totals.rejected += result.rejected;
      this.totals.batches += 1;
      for (const w of batch) w.resolve(result);
    } catch (err) {
      this.totals.failed_batches += 1;
      for (const w of batch) w.reject(err);
    }
  }
}
