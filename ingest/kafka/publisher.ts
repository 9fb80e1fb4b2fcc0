import type { Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import { IngestMetrics } from '../metrics.ts';
import { ACKS_ALL, gateOf, producerConfig } from './client.ts';
import { isCarrelloError } from '../../errors/carrelloError.ts';
import { kafkaUnavailable, producerBackpressure, producerClosed } from './errors.ts';

/** One message to publish. */
export interface OutRecord {
  topic: string;
  key: string | Buffer | null;
  value: Buffer;
  headers?: Record<string, string | Buffer | Buffer[]>;
}

export interface PublisherOptions {
  /** Messages waiting or in flight, at most (default 20,000). Beyond: `producer_backpressure`. */
  maxBufferedMessages: number;
  /** Bytes waiting or in flight, at most (default 64 MiB). */
  maxBufferedBytes: number;
  /** Messages per produce request, at most (default 2,000). */
  maxBatchMessages: number;
  /** Bytes per produce request, at most (default 1 MiB; one larger message still goes, alone). */
  maxBatchBytes: number;
  /** Wait this long for more messages before a request that is not full (default 5 ms). */
  lingerMs: number;
  /** A publish() not acknowledged within this time fails with `kafka_unavailable` (default 15 s). */
  deliveryTimeoutMs: number;
  /** kafkajs retries of one produce request (default 5). */
  retries: number;
}

export const DEFAULT_PUBLISHER: PublisherOptions = {
  maxBufferedMessages: 20_000,
  maxBufferedBytes: 64 * 1024 * 1024,
  maxBatchMessages: 2_000,
  maxBatchBytes: 1024 * 1024,
  lingerMs: 5,
  deliveryTimeoutMs: 15_000,
  retries: 5,
};

interface Pending {
  record: OutRecord;
  bytes: number;
  call: Call;
}

/** One publish() call: settles once all its messages are acknowledged, or at the first failure. */
interface Call {
  left: number;
  settled: boolean;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * The transport under the producer SDK, the collector's Kafka path, the dead-letter writer and the
 * simulator: an idempotent kafkajs producer behind a bounded buffer that batches by count, size and time.
 * INVARIANT: publish() resolves only after Kafka acknowledged every message of the call with acks=all.
 * A call is taken whole or refused whole (`producer_backpressure`): the buffer never grows past its
 * bounds, and nothing is silently dropped.
 */
export class BufferedPublisher {
  private readonly producer: Producer;
  private readonly queue: Pending[] = [];
  private bufferedMessages = 0;
  private bufferedBytes = 0;
  private sending: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private connecting: Promise<void> | null = null;
  private closed = false;
  private readonly metrics: IngestMetrics;
  readonly opts: PublisherOptions;

  constructor(kafka: Kafka, opts: Partial<PublisherOptions> = {}, metrics?: IngestMetrics) {
    this.opts = { ...DEFAULT_PUBLISHER, ...opts };
    this.metrics = metrics ?? new IngestMetrics();
    this.producer = kafka.producer(producerConfig(this.opts.retries));
    this.reachable = () => gateOf(kafka)?.reachable();
  }

  /** Ends a logged outage of the client (logGate.ts): an acknowledged send is the proof that Kafka is back. */
  private readonly reachable: () => void;

  /** Messages waiting or in flight. */
  get buffered(): number {
    return this.bufferedMessages;
  }

  /** Connects now (optional: the first publish connects too). */
  connect(): Promise<void> {
    this.connecting ??= this.producer.connect().catch((err: unknown) => {
      this.connecting = null;
      throw kafkaUnavailable(`cannot connect to Kafka: ${(err as Error).message}`, err);
    });
    return this.connecting;
  }

  publish(records: readonly OutRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(producerClosed());
    if (records.length === 0) return Promise.resolve();
    const sizes = records.map(sizeOf);
    const bytes = sizes.reduce((a, b) => a + b, 0);
    if (this.bufferedMessages + records.length > this.opts.maxBufferedMessages) {
      this.metrics.publishErrors.inc({ code: 'producer_backpressure' }, records.length);
      return Promise.reject(producerBackpressure(this.bufferedMessages, this.opts.maxBufferedMessages));
    }
    // A lone message larger than the whole byte budget still goes when the buffer is empty.
    if (this.bufferedBytes + bytes > this.opts.maxBufferedBytes && this.bufferedMessages > 0) {
      this.metrics.publishErrors.inc({ code: 'producer_backpressure' }, records.length);
      return Promise.reject(producerBackpressure(this.bufferedBytes, this.opts.maxBufferedBytes, 'bytes'));
    }
    return new Promise<void>((resolve, reject) => {
      const call: Call = { left: records.length, settled: false, resolve, reject };
      records.forEach((record, i) => {
        this.queue.push({ record, bytes: sizes[i]!, call });
      });
      this.bufferedMessages += records.length;
      this.bufferedBytes += bytes;
      this.metrics.producerBuffered.inc(records.length);
      const deadline = setTimeout(() => {
        fail(call, kafkaUnavailable(`Kafka did not acknowledge within ${this.opts.deliveryTimeoutMs} ms`));
        this.metrics.publishErrors.inc({ code: 'kafka_unavailable' });
      }, this.opts.deliveryTimeoutMs);
      deadline.unref();
      call.resolve = () => {
        clearTimeout(deadline);
        resolve();
      };
      call.reject = (err) => {
        clearTimeout(deadline);
        reject(err);
      };
      this.schedule();
    });
  }

  /** Resolves once everything taken so far was sent (acknowledged or failed). */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.sending) {
      this.kick();
      await this.sending;
    }
  }

  /** Sends what is buffered, then disconnects; publish() refuses from now on. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    await this.producer.disconnect().catch(() => undefined);
  }

  private schedule(): void {
    if (this.sending) return;
    if (this.queue.length >= this.opts.maxBatchMessages || this.opts.lingerMs === 0 || this.closed) this.kick();
    else this.timer ??= setTimeout(() => this.kick(), this.opts.lingerMs);
  }

  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.sending || this.queue.length === 0) return;
    // INVARIANT: one produce request at a time. With an idempotent producer, kafkajs keeps sequence
    // numbers right only when requests do not overtake each other; it also keeps each cart's order.
    this.sending = this.sendNext().finally(() => {
      this.sending = null;
      if (this.queue.length > 0) this.schedule();
    });
  }

  private async sendNext(): Promise<void> {
    const batch = this.takeBatch();
    if (batch.length === 0) return;
    try {
      await this.connect();
      await this.producer.sendBatch({ topicMessages: byTopic(batch), acks: ACKS_ALL });
      this.reachable();
      for (const p of batch) {
        this.metrics.published.inc({ topic: p.record.topic });
        if (--p.call.left === 0 && !p.call.settled) {
          p.call.settled = true;
          p.call.resolve();
        }
      }
    } catch (err) {
      const failure = isCarrelloError(err, 'kafka_unavailable') ? err : kafkaUnavailable(`Kafka did not take the messages: ${(err as Error).message}`, err);
      this.metrics.publishErrors.inc({ code: 'kafka_unavailable' }, batch.length);
      for (const p of batch) fail(p.call, failure);
    } finally {
      this.release(batch);
    }
  }

  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    const dropped: Pending[] = [];
    let bytes = 0;
    while (this.queue.length > 0 && batch.length < this.opts.maxBatchMessages) {
      const next = this.queue[0]!;
      // A call that already failed (timed out) was told "not acknowledged": its unsent messages stay unsent.
      if (next.call.settled) {
        dropped.push(this.queue.shift()!);
        continue;
      }
      if (batch.length > 0 && bytes + next.bytes > this.opts.maxBatchBytes) break;
      batch.push(this.queue.shift()!);
      bytes += next.bytes;
    }
    this.release(dropped);
    return batch;
  }

  private release(batch: readonly Pending[]): void {
    this.bufferedMessages -= batch.length;
    this.bufferedBytes -= batch.reduce((a, p) => a + p.bytes, 0);
    this.metrics.producerBuffered.dec(batch.length);
  }
}

function fail(call: Call, err: Error): void {
  if (call.settled) return;
  call.settled = true;
  call.reject(err);
}

function sizeOf(r: OutRecord): number {
  let n = r.value.byteLength + (r.key === null ? 0 : Buffer.byteLength(r.key)) + 64;
  for (const [k, v] of Object.entries(r.headers ?? {})) for (const x of [v].flat()) n += k.length + Buffer.byteLength(x);
  return n;
}

function byTopic(batch: readonly Pending[]): TopicMessages[] {
  const topics = new Map<string, Message[]>();
  for (const { record } of batch) {
    let list = topics.get(record.topic);
    if (!list) {
      list = [];
      topics.set(record.topic, list);
    }
    list.push({ key: record.key, value: record.value, headers: record.headers });
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }));
}
