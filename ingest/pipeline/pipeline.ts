import type { Warehouse } from '../../sql/warehouse.ts';
import { Batcher, DEFAULT_BATCHER, type BatcherOptions } from './batcher.ts';
import { DEFAULT_MAX_EVENT_BYTES } from './decode.ts';
import type { InboundMessage } from './message.ts';
import type { RejectReason } from './outcome.ts';
import { processMessage } from './process.ts';

export interface IngestOptions {
  batcher: BatcherOptions;
  /** Largest single event accepted, in bytes (default 64 KiB). */
  maxEventBytes: number;
}

export const DEFAULT_INGEST: IngestOptions = { batcher: DEFAULT_BATCHER, maxEventBytes: DEFAULT_MAX_EVENT_BYTES };

export interface MessageRejection {
  index: number;
  reason: RejectReason;
  field: string | null;
  detail: string;
}

export interface IngestResult {
  accepted: number;
  rejected: MessageRejection[];
}

/**
 * The transport-agnostic pipeline: decode → validate → batch → write → acknowledge.
 * The collector, the in-process queue and the Kafka worker all hand their messages to it.
 */
export class IngestPipeline {
  private readonly batcher: Batcher;
  readonly rejectedByReason = new Map<RejectReason, number>();

  constructor(
    warehouse: Warehouse,
    private readonly opts: IngestOptions = DEFAULT_INGEST,
  ) {
    this.batcher = new Batcher((events, rejected) => warehouse.writeBatch(events, rejected), opts.batcher);
  }

  get totals() {
    return this.batcher.totals;
  }

  /**
   * Processes the messages and resolves once every one of them, stored or refused, is durable.
   * Rejects (and nothing may be acknowledged) if the write fails or the queue is full.
   */
  async ingest(messages: readonly InboundMessage[]): Promise<IngestResult> {
    const processed = messages.map((m) => processMessage(m, this.opts.maxEventBytes));
    const rejected: MessageRejection[] = [];
    processed.forEach((p, index) => {
      if (p.kind === 'rejected') {
        rejected.push({ index, ...p.rejection });
      }
    });
    await this.batcher.submit(processed);
    for (const r of rejected) this.rejectedByReason.set(r.reason, (this.rejectedByReason.get(r.reason) ?? 0) + 1);
    return { accepted: processed.length - rejected.length, rejected };
  }

  /** Writes what is waiting, then refuses new messages. */
  close(): Promise<void> {
    return this.batcher.close();
  }
}
