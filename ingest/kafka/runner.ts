import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import type { EventIngress } from '../ingress.ts';
import { IngestMetrics } from '../metrics.ts';
import type { InboundMessage, KafkaOrigin } from '../pipeline/message.ts';
import { Backoff } from './backoff.ts';

/** Fault-injection points for the fault tests; set with CARRELLO_FAILPOINT. */
export const FAILPOINTS = ['after_write_before_commit'] as const;
export type Failpoint = (typeof FAILPOINTS)[number];

export interface RunnerOptions {
  topic: string;
  groupId: string;
  /** Partitions whose batches are processed at once (default 4); their writes share warehouse batches. */
  concurrency: number;
  sessionTimeoutMs: number;
  /** The topic's max.message.bytes: fetches are sized so that the largest message always fits. */
  maxMessageBytes: number;
  /** Backoff of a partition whose batch could not be written: first and longest pause (ms). */
  retryMinMs: number;
  retryMaxMs: number;
  failpoint: Failpoint | null;
}

/** What the runner tells the lag monitor and the health report. */
export interface RunnerHooks {
  onAssigned?(partitions: readonly number[]): void;
  onCommitted?(partition: number, nextOffset: bigint, highWatermark: bigint): void;
  onWriteFailed?(partition: number, err: unknown, retryInMs: number): void;
  onCrash?(err: unknown, willRestart: boolean): void;
}

export interface RunnerDeps {
  log: Logger;
  metrics?: IngestMetrics;
  hooks?: RunnerHooks;
  /** Called at the failpoint; the default kills this process as the kernel's OOM killer would (exit 137). */
  crash?: () => void;
}

/**
 * The Kafka consumer-group runner: the only ingest code that reads from or commits to Kafka.
 * Each batch (one partition's messages from one fetch) goes through the ingest pipeline, which resolves
 * once its events are in the warehouse and its refused messages are acknowledged by the dead-letter topic.
 *
 * INVARIANT: an offset is committed only after every message before it is durable: stored in the
 * warehouse, or acknowledged by the dead-letter topic. A batch that fails is neither resolved nor
 * committed: it is held and written again after a backoff, so a good event is never dead-lettered because
 * the warehouse is down. Redelivery is harmless: the warehouse stores an event_id once.
 *
 * Holding the batch (rather than pausing the partition and fetching it again) is what bounds memory
 * through a long outage: kafkajs fetches again only once every batch of its last fetch is handled, so
 * while the warehouse is down nothing more is fetched, and the worker holds one fetch (at most the
 * consumer's maxBytes) instead of re-reading and re-decoding megabytes per retry.
 */
export class ConsumerRunner {
  private readonly consumer: Consumer;
  private readonly metrics: IngestMetrics;
  private readonly backoff: Backoff;
  /** Aborted by stop(): a batch waiting to be written again gives up at once (uncommitted). */
  private readonly stopped = new AbortController();
  private stopping: Promise<void> | null = null;

  constructor(
    kafka: Kafka,
    private readonly ingress: EventIngress,
    private readonly opts: RunnerOptions,
    private readonly deps: RunnerDeps,
  ) {
    this.metrics = deps.metrics ?? new IngestMetrics();
    this.backoff = new Backoff(opts.retryMinMs, opts.retryMaxMs);
    const fetchBytes = Math.max(1024 * 1024, opts.maxMessageBytes + 128 * 1024);
    this.consumer = kafka.consumer({
      groupId: opts.groupId,
      sessionTimeout: opts.sessionTimeoutMs,
      heartbeatInterval: Math.min(3_000, Math.floor(opts.sessionTimeoutMs / 3)),
      maxBytesPerPartition: fetchBytes,
      maxBytes: Math.max(10 * 1024 * 1024, 2 * fetchBytes),
      maxWaitTimeInMs: 500,
      allowAutoTopicCreation: false,
    });
    const { GROUP_JOIN, CRASH } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, ({ payload }) => {
      const partitions = payload.memberAssignment[opts.topic] ?? [];
      deps.log.info({ topic: opts.topic, partitions }, 'joined the consumer group');
      deps.hooks?.onAssigned?.(partitions);
    });
    this.consumer.on(CRASH, ({ payload }) => {
      deps.log.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
      deps.hooks?.onCrash?.(payload.error, payload.restart);
    });
  }

  /** Joins the group and starts consuming; resolves once the consumer runs (fetching goes on in the background). */
  async start(): Promise<void> {
    await this.consumer.connect();
    // A new group starts from the beginning of the topic: events produced before the first worker are kept.
    await this.consumer.subscribe({ topic: this.opts.topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.opts.concurrency,
      eachBatch: (payload) => this.handle(payload),
    });
  }

  /**
   * Stops fetching, lets the batch in flight finish (it is committed only if its write succeeded; a batch
   * that cannot finish is abandoned uncommitted and redelivered), then leaves the group.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopped.abort();
      await this.consumer.disconnect();
    })();
    return this.stopping;
  }

  private async handle({ batch, resolveOffset, commitOffsetsIfNecessary, isRunning, isStale, heartbeat }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    const { topic, partition } = batch;
    const receivedAtMs = Date.now();
    const messages = batch.messages.map((m) => inbound(topic, partition, m, receivedAtMs));
    const last = batch.messages[batch.messages.length - 1]!.offset;

    for (;;) {
      try {
        await this.ingress.ingest(messages);
        break;
      } catch (err) {
        const retryInMs = this.backoff.next(partition);
        this.deps.log.warn(
          { error: describe(err), topic, partition, first_offset: batch.firstOffset(), messages: messages.length, retry_in_ms: retryInMs },
          'batch not written; partition held, the same batch is written again after a backoff',
        );
        this.deps.hooks?.onWriteFailed?.(partition, err, retryInMs);
        // Stopping, or the partition was sought elsewhere (rebalance, reset): leave the batch uncommitted;
        // whoever reads the partition next reads it again from the last commit.
        if (!(await this.waitToRetry(retryInMs, isRunning, isStale, heartbeat))) return;
      }
    }
    this.backoff.reset(partition);

    if (this.opts.failpoint === 'after_write_before_commit') {
      this.deps.log.warn({ failpoint: this.opts.failpoint, topic, partition, last_offset: last }, 'failpoint: dying after the write, before the commit');
      (this.deps.crash ?? killHard)();
      return;
    }

    // INVARIANT: reached only once the batch is durable (see the class comment).
    const next = BigInt(last) + 1n;
    resolveOffset(last);
    try {
      await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: next.toString() }] }] });
      this.metrics.commits.inc();
      this.deps.hooks?.onCommitted?.(partition, next, BigInt(batch.highWatermark));
    } catch (err) {
      // The batch is durable; whoever owns the partition next re-reads it from the last commit, and the
      // warehouse keeps each event_id once. A later commit on this partition covers it too.
      this.deps.log.warn({ error: describe(err), topic, partition, offset: next.toString() }, 'offset commit failed after a durable write');
    }
  }

  /**
   * Waits retryInMs, heartbeating (so the group keeps this member through a long outage, and a rebalance
   * interrupts the wait: heartbeat() then throws and kafkajs rejoins). False when the batch must be given up.
   */
  private async waitToRetry(retryInMs: number, isRunning: () => boolean, isStale: () => boolean, heartbeat: () => Promise<void>): Promise<boolean> {
    const until = Date.now() + retryInMs;
    for (;;) {
      if (this.stopped.signal.aborted || !isRunning() || isStale()) return false;
      const left = until - Date.now();
      if (left <= 0) return true;
      await sleep(Math.min(left, HEARTBEAT_STEP_MS), this.stopped.signal);
      await heartbeat();
    }
  }
}

/** Longest sleep between heartbeats while a batch waits to be written again (below any session timeout). */
const HEARTBEAT_STEP_MS = 1_000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

function inbound(topic: string, partition: number, m: KafkaMessage, receivedAtMs: number): InboundMessage {
  const raw = m.value ?? Buffer.alloc(0);
  const kafka: KafkaOrigin = { topic, partition, offset: m.offset, key: m.key ?? null, headers: headersOf(m), timestamp: m.timestamp };
  return { raw, source: 'kafka', sourceRef: `${partition}:${m.offset}`, receivedAtMs, kafka };
}

function headersOf(m: KafkaMessage): Record<string, Uint8Array[]> {
  const out: Record<string, Uint8Array[]> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    if (v === undefined) continue;
    out[k] = (Array.isArray(v) ? v : [v]).map((x) => (typeof x === 'string' ? Buffer.from(x) : x));
  }
  return out;
}

/** The error's code and message only: a payload or customer identifier never reaches the log. */
function describe(err: unknown): { code?: string; message: string } {
  const e = err as { code?: unknown; message?: unknown };
  return { ...(typeof e?.code === 'string' ? { code: e.code } : {}), message: String(e?.message ?? err) };
}

function killHard(): void {
  process.kill(process.pid, 'SIGKILL');
}
