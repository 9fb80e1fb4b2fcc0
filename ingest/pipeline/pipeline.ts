import type { EventRow, WriteResult } from '../../sql/rows.ts';
import type { Warehouse } from '../../sql/warehouse.ts';
import type { EventIngress } from '../ingress.ts';
import { IngestMetrics } from '../metrics.ts';
import { Batcher, DEFAULT_BATCHER, type BatchResult, type BatcherOptions } from './batcher.ts';
import { DEFAULT_MAX_EVENT_BYTES } from './decode.ts';
import type { InboundMessage } from './message.ts';
import type { RejectReason } from './outcome.ts';
import { isCarrelloError } from '../../errors/carrelloError.ts';
import { writeIsolating } from './isolate.ts';
import { processMessage, type AcceptedEvent, type RejectedMessage } from './process.ts';
import type { RejectedSink } from './rejectedSink.ts';

export interface IngestOptions {
  batcher: BatcherOptions;
  /** Largest single event accepted, in bytes (default 64 KiB). */
  maxEventBytes: number;
}

export const DEFAULT_INGEST: IngestOptions = { batcher: DEFAULT_BATCHER, maxEventBytes: DEFAULT_MAX_EVENT_BYTES };

export interface IngestDeps {
  /** Where refused messages go; without one they go to the warehouse's rejected_events, in the batch's transaction. */
  rejected?: RejectedSink;
  metrics?: IngestMetrics;
}

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
export class IngestPipeline implements EventIngress {
  private readonly batcher: Batcher;
  readonly rejectedByReason = new Map<RejectReason, number>();
  readonly metrics: IngestMetrics;

  constructor(
    warehouse: Warehouse,
    private readonly opts: IngestOptions = DEFAULT_INGEST,
    deps: IngestDeps = {},
  ) {
    this.metrics = deps.metrics ?? new IngestMetrics();
    this.batcher = new Batcher(durableWrite(warehouse, deps.rejected, this.metrics), opts.batcher);
  }

  get totals() {
    return this.batcher.totals;
  }

  /**
   * Processes the messages and resolves once every one of them, stored or refused, is durable.
   * Rejects (and nothing may be acknowledged) if the write fails or the queue is full.
   */
  async ingest(messages: readonly InboundMessage[]): Promise<IngestResult> {
    for (const m of messages) this.metrics.received.inc({ source: m.source });
    const processed = messages.map((m) => processMessage(m, this.opts.maxEventBytes));
    const { refused } = await this.batcher.submit(processed);
    // Events the warehouse refused (isolate.ts) are refused messages too, found by their message.
    const refusedBy = new Map(refused.map((r) => [r.message, r]));
    const rejected: MessageRejection[] = [];
    processed.forEach((p, index) => {
      const r = p.kind === 'rejected' ? p : refusedBy.get(p.message);
      if (!r) return;
      rejected.push({ index, ...r.rejection });
      this.rejectedByReason.set(r.rejection.reason, (this.rejectedByReason.get(r.rejection.reason) ?? 0) + 1);
      this.metrics.rejected.inc({ reason: r.rejection.reason, source: r.message.source });
    });
    return { accepted: processed.length - rejected.length, rejected };
  }

  /** Writes what is waiting, then refuses new messages. */
  close(): Promise<void> {
    return this.batcher.close();
  }
}

/**
 * One batch made durable: events in the warehouse, refused messages in the warehouse or the rejected sink.
 * Events the warehouse refuses to insert are isolated (isolate.ts) and kept as refused messages too.
 */
function durableWrite(warehouse: Warehouse, sink: RejectedSink | undefined, metrics: IngestMetrics) {
  const store = async (events: readonly EventRow[], rejected: readonly RejectedMessage[]): Promise<WriteResult> => {
    try {
      const result = await warehouse.writeBatch(
        events,
        rejected.map((r) => r.row),
      );
      // Counted once stored, even if the dead-letter write after it fails: a retry then counts duplicates.
      metrics.stored.inc(result.inserted);
      metrics.duplicates.inc(result.duplicates);
      return result;
    } catch (err) {
      metrics.warehouseErrors.inc();
      throw err;
    }
  };
  const rows = (events: readonly AcceptedEvent[]) => events.map((e) => e.row);
  return async (events: readonly AcceptedEvent[], rejected: readonly RejectedMessage[]): Promise<BatchResult> => {
    const started = performance.now();
    let result: BatchResult;
    if (!sink) {
      // Embedded: events and refused messages in one transaction. Should the warehouse refuse an event,
      // the events are isolated first (a transaction per part), then every refused message in one more.
      try {
        result = { ...(await store(rows(events), rejected)), refused: [] };
      } catch (err) {
        if (!isCarrelloError(err, 'insert_refused')) throw err;
        const { stored, refused } = await writeIsolating((part) => store(rows(part), []), events);
        const kept = await store([], [...rejected, ...refused]);
        result = { ...stored, rejected: kept.rejected, refused };
      }
    } else {
      // Both must be durable before the batch counts as written. The warehouse goes first: while it fails,
      // the batch is retried without sending its refused messages to the dead-letter topic again and again.
      const { stored, refused } = await writeIsolating((part) => store(rows(part), []), events);
      const all = [...rejected, ...refused];
      if (all.length > 0) {
        await sink.write(all);
        // Kept in rejected_events too, after the dead-letter topic acknowledged them, so that /v1/stats counts
        // what was dead-lettered, by reason, as it does in embedded mode. At least once, like the dead
        // letters themselves: a batch retried after this write failed counts its refused messages twice.
        await store([], all);
      }
      result = { ...stored, rejected: all.length, refused };
    }
    metrics.batchSize.observe(events.length + rejected.length);
    metrics.batchSeconds.observe((performance.now() - started) / 1000);
    return result;
  };
}
