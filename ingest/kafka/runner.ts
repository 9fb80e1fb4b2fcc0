import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import type { EventIngress } from '../ingress.ts';
import { IngestMetrics } from '../metrics.ts';
import type { InboundMessage, KafkaOrigin } from '../pipeline/message.ts';
import { Backoff } from './backoff.ts';
import { OffsetLedger } from './offsetLedger.ts';
import { sleep } from '../sleep.ts';

/** Fault-injection points for the fault tests; set with CARRELLO_FAILPOINT. */
export const FAILPOINTS = ['after_write_before_commit'] as const;
export type Failpoint = (typeof FAILPOINTS)[number];

export interface RunnerOptions {
  topic: string;
  groupId: string;
  /** Partitions whose batches are processed at once (default 4); their writes share warehouse batches. */
  concurrency: number;
  /**
   * Messages handed to the pipeline and not yet durable, at most, before fetching waits (keep it under
   * the pipeline's maxPending). Fetching goes on while earlier batches are written.
   */
  maxInFlightMessages: number;
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
  /** A heartbeat the coordinator answered (the group leadership's fence). */
  onHeartbeat?(): void;
  /** This member will not hold its partitions for now: a rebalance started, or the consumer stopped. */
  onRevoked?(): void;
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
 * warehouse, or acknowledged by the dead-letter topic (OffsetLedger). Batches are fetched and processed
 * while earlier ones are being written; a batch that fails is not committed: its partition goes back to
 * the batch's first offset and is paused, and the worker holds the batch and writes it again after a
 * backoff, so a good event is never dead-lettered because the warehouse is down. Once it is written the
 * partition moves on past it. Redelivery is harmless: the warehouse stores an event_id once.
 *
 * Holding the batch (rather than fetching it again at every retry) is what keeps memory flat through a
 * long outage: held batches count against maxInFlightMessages, so fetching stops once they fill it.
 */
export class ConsumerRunner {
  private readonly consumer: Consumer;
  private readonly metrics: IngestMetrics;
  private readonly backoff: Backoff;
  /** Aborted by stop(): a held batch waiting for its next attempt gives up at once (uncommitted). */
  private readonly stopped = new AbortController();
  private readonly ledger = new OffsetLedger();
  /** Batches handed to the pipeline whose write has not returned yet. */
  private readonly inFlight = new Set<Promise<void>>();
  private inFlightMessages = 0;
  private committing: Promise<void> | null = null;
  private commitAgain = false;
  private closing = false;
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
    const { GROUP_JOIN, CRASH, HEARTBEAT, REBALANCING, STOP } = this.consumer.events;
    this.consumer.on(HEARTBEAT, () => deps.hooks?.onHeartbeat?.());
    this.consumer.on(REBALANCING, () => deps.hooks?.onRevoked?.());
    this.consumer.on(STOP, () => deps.hooks?.onRevoked?.());
    this.consumer.on(GROUP_JOIN, ({ payload }) => {
      // Batches taken before the rebalance commit nothing; the new assignment starts from the commits.
      this.ledger.reassigned();
      const partitions = payload.memberAssignment[opts.topic] ?? [];
      deps.log.info({ topic: opts.topic, partitions }, 'joined the consumer group');
      deps.hooks?.onAssigned?.(partitions);
    });
    this.consumer.on(CRASH, ({ payload }) => {
      deps.log.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
      deps.hooks?.onRevoked?.();
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
   * Stops fetching, lets the batches in flight finish (each committed only if its write succeeded; a
   * batch that cannot finish is abandoned uncommitted and redelivered), commits, then leaves the group.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.closing = true;
      this.stopped.abort();
      try {
        // No more fetches while the batches in flight finish (handle() would refuse them anyway).
        this.consumer.pause([{ topic: this.opts.topic }]);
      } catch {
        // Never ran (stopped while starting): nothing is in flight.
      }
      // Commit what the batches in flight make durable while still a member of the group.
      await Promise.allSettled([...this.inFlight]);
      await this.commitDurable();
      await this.consumer.disconnect();
    })();
    return this.stopping;
  }

  /**
   * One fetched batch: processed and handed to the pipeline at once, then left to become durable while
   * kafkajs fetches the next ones (so that fetching and processing overlap the warehouse's write). The
   * batch's offsets are committed by commitDurable() once its write has returned.
   */
  private async handle({ batch, resolveOffset, isRunning, isStale, pause, heartbeat }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || !isRunning() || isStale() || this.closing) return;
    const { topic, partition } = batch;
    const receivedAtMs = Date.now();
    const messages = batch.messages.map((m) => inbound(topic, partition, m, receivedAtMs));
    const first = batch.messages[0]!.offset;
    const last = batch.messages[batch.messages.length - 1]!.offset;
    const high = BigInt(batch.highWatermark);
    const epoch = this.ledger.epoch(partition);

    const written = this.ingress
      .ingest(messages)
      .then(
        () => this.onDurable(partition, epoch, BigInt(last), high),
        (err: unknown) => this.holdAndRetry(messages, partition, epoch, BigInt(first), BigInt(last), high, err, pause),
      )
      // A hook that throws must not become an unhandled rejection; the batch's fate is settled above.
      .catch((err: unknown) => this.deps.log.error({ error: describe(err), topic, partition }, 'after a batch write'));
    // INVARIANT: resolveOffset() only moves this consumer's fetch position (autoCommit is off: kafkajs
    // commits nothing by itself). The commit waits for the write, in onDurable().
    resolveOffset(last);
    const tracked = written.finally(() => {
      this.inFlight.delete(tracked);
      this.inFlightMessages -= messages.length;
    });
    this.inFlight.add(tracked);
    this.inFlightMessages += messages.length;
    // Back-pressure: fetch no more while this many messages wait for their write (held batches included),
    // heartbeating so that a long wait (a warehouse outage) does not cost the group membership.
    while (this.inFlightMessages >= this.opts.maxInFlightMessages && this.inFlight.size > 0) {
      await Promise.race([...this.inFlight, sleep(HEARTBEAT_STEP_MS, this.stopped.signal)]);
      if (this.closing || !isRunning()) return;
      await heartbeat().catch(() => undefined);
    }
  }

  private onDurable(partition: number, epoch: number, last: bigint, high: bigint): void {
    this.backoff.reset(partition);
    if (!this.ledger.durable(partition, epoch, last, high)) return;
    if (this.opts.failpoint === 'after_write_before_commit') {
      this.deps.log.warn(
        { failpoint: this.opts.failpoint, topic: this.opts.topic, partition, last_offset: last.toString() },
        'failpoint: dying after the write, before the commit',
      );
      (this.deps.crash ?? killHard)();
      return;
    }
    void this.commitDurable();
  }

  /**
   * A batch that could not be written is neither committed nor skipped: its partition goes back to the
   * batch's first offset and is paused, and later batches of the partition already in flight commit
   * nothing (their epoch has passed). The batch itself is held and written again after a backoff; once
   * written, the partition resumes after it. Given up (uncommitted, fetched again by whoever reads the
   * partition next) when the worker stops or the partitions are handed out again.
   */
  private async holdAndRetry(
    messages: InboundMessage[],
    partition: number,
    takenIn: number,
    first: bigint,
    last: bigint,
    high: bigint,
    firstErr: unknown,
    pause: () => () => void,
  ): Promise<void> {
    const rewindTo = this.ledger.failed(partition, takenIn, first);
    // An earlier failure already rewound the partition to this batch or before it: it comes again.
    if (rewindTo === null || this.closing) return;
    const epoch = this.ledger.epoch(partition);
    const topic = this.opts.topic;
    const seek = (offset: bigint) => {
      try {
        this.consumer.seek({ topic, partition, offset: offset.toString() });
      } catch (e) {
        // Not running any more: the next owner starts from the last commit anyway.
        this.deps.log.warn({ error: describe(e), topic, partition }, 'could not move the partition');
      }
    };
    // INVARIANT: batches fetched after this one are made stale by the seek, so none of them can commit
    // past it; the partition stays paused until the held batch is written.
    seek(rewindTo);
    const resume = pause();
    let err = firstErr;
    for (;;) {
      const retryInMs = this.backoff.next(partition);
      this.deps.log.warn(
        { error: describe(err), topic, partition, first_offset: first.toString(), messages: messages.length, retry_in_ms: retryInMs },
        'batch not written; partition held, the same batch is written again after a backoff',
      );
      this.deps.hooks?.onWriteFailed?.(partition, err, retryInMs);
      await sleep(retryInMs, this.stopped.signal);
      if (this.closing || this.ledger.epoch(partition) !== epoch) return; // stopping or reassigned: give it up
      try {
        await this.ingress.ingest(messages);
        break;
      } catch (e) {
        err = e;
      }
    }
    if (this.closing || this.ledger.epoch(partition) !== epoch) return;
    seek(last + 1n);
    resume();
    this.onDurable(partition, epoch, last, high);
  }

  /** Commits every partition's durable offset, one request at a time (a call during one runs another after it). */
  private commitDurable(): Promise<void> {
    if (this.committing) {
      this.commitAgain = true;
      return this.committing;
    }
    this.committing = (async () => {
      do {
        this.commitAgain = false;
        const offsets = this.ledger.toCommit();
        if (offsets.length === 0) continue;
        const topic = this.opts.topic;
        try {
          // INVARIANT: every offset here is durable (OffsetLedger.toCommit()).
          await this.consumer.commitOffsets(offsets.map((o) => ({ topic, partition: o.partition, offset: o.offset.toString() })));
          this.metrics.commits.inc();
          for (const o of offsets) {
            this.ledger.committed(o.partition, o.offset);
            this.deps.hooks?.onCommitted?.(o.partition, o.offset, o.high);
          }
        } catch (err) {
          // The batches are durable; whoever owns the partitions next re-reads them from the last commit,
          // and the warehouse keeps each event_id once. The next commit covers them too.
          this.deps.log.warn({ error: describe(err), topic, partitions: offsets.map((o) => o.partition) }, 'offset commit failed after a durable write');
        }
      } while (this.commitAgain);
    })().finally(() => (this.committing = null));
    return this.committing;
  }
}

/** Longest wait between heartbeats while fetching waits for writes (well below any session timeout). */
const HEARTBEAT_STEP_MS = 1_000;

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
