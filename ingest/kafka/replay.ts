import type { IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { DEFAULT_MAX_EVENT_BYTES } from '../pipeline/decode.ts';
import { processMessage } from '../pipeline/process.ts';
import { ACKS_ALL, stablePartitioner } from './client.ts';
import { DLQ_HEADERS } from './deadLetter.ts';

export interface ReplayOptions {
  deadLetterTopic: string;
  /** Where the copies go back to (the event topic). */
  targetTopic: string;
  /** Only dead letters with this carrello.reason (all when absent); the others stay on the dead-letter topic. */
  reason?: string;
  /** Count only: publish nothing, commit nothing. */
  dryRun: boolean;
  /** The worker's largest event, so that a message is judged here as the worker would judge it. */
  maxEventBytes?: number;
  /** Called with the counts so far after each batch is done (committed, unless a dry run). */
  onProgress?: (report: Readonly<ReplayReport>) => void;
}

export interface ReplayReport {
  /** Dead letters read: those past the replay group's committed offsets, up to the end offsets at the start. */
  read: number;
  /** Of those, matching the filter, by reason. */
  matched: Record<string, number>;
  /** Published back to the target topic (0 on a dry run). */
  replayed: number;
  /** Matched, but still refused by validation: on the dead-letter topic again, with the replay count raised. */
  still_invalid: number;
  /** Not matching --reason: on the dead-letter topic again, unchanged, for a later replay. */
  kept: number;
}

/** Header added to a replayed message: the dead letter it came from, `<dlq topic>:<partition>:<offset>`. */
export const REPLAYED_FROM = 'carrello.replayed_from';
/** Header on a replayed message and on a dead letter written by a replay: how many replays it went through. */
export const REPLAY_COUNT = 'carrello.replay_count';

/** The consumer group (and transactional id) of the replays of one dead-letter topic. */
export const replayGroupId = (deadLetterTopic: string): string => `carrello-dlq-replay.${deadLetterTopic}`;

/**
 * Sends dead letters back to the event topic, once a producer or the contract was fixed: the original
 * key, bytes and headers, without the carrello.* headers the dead-letter writer added, plus where it came
 * from and its replay count. Each message is judged first by the worker's own decode → validate steps: one
 * still refused goes back on the dead-letter topic (its new reason, the replay count raised), never to
 * the event topic, where the worker would dead-letter it a second time.
 *
 * INVARIANT: each dead letter read leaves exactly once, either on the event topic or on the dead-letter
 * topic. The replay reads under one consumer group per dead-letter topic and writes each batch's copies
 * and that group's offsets past the batch in one Kafka transaction: a replay that dies half-way leaves
 * nothing of its open batch (the next one, with the same transactional id, aborts it and starts from the
 * committed offsets), and a second replay reads only what the first one left or wrote. Readers of either
 * topic must read committed messages only (kafkajs's default).
 */
export async function replayDeadLetters(kafka: Kafka, opts: ReplayOptions): Promise<ReplayReport> {
  const groupId = replayGroupId(opts.deadLetterTopic);
  const report: ReplayReport = { read: 0, matched: {}, replayed: 0, still_invalid: 0, kept: 0 };
  const admin = kafka.admin();
  await admin.connect();
  const producer = opts.dryRun
    ? null
    : kafka.producer({ transactionalId: groupId, idempotent: true, maxInFlightRequests: 1, createPartitioner: stablePartitioner });
  let consumer: ReturnType<Kafka['consumer']> | null = null;
  try {
    // Connecting the transactional producer first aborts a transaction an earlier replay left open, so
    // that its half-written copies never show and the committed offsets below are final.
    await producer?.connect();
    const remaining = await unreadEnds(admin, groupId, opts.deadLetterTopic);
    if (remaining.size === 0) return report;
    consumer = kafka.consumer({ groupId, maxBytesPerPartition: 8 * 1024 * 1024, readUncommitted: false });
    const reader = consumer;
    await reader.connect();
    await reader.subscribe({ topic: opts.deadLetterTopic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      // A batch of control records only (the markers of an earlier replay's transactions) never reaches
      // eachBatch; the end of every batch, handled or not, does.
      reader.on(reader.events.END_BATCH_PROCESS, ({ payload }) => {
        const end = remaining.get(payload.partition);
        if (end !== undefined && BigInt(payload.lastOffset) + 1n >= end) remaining.delete(payload.partition);
        if (remaining.size === 0) resolve();
      });
      void reader
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const end = remaining.get(batch.partition);
            if (end === undefined) return;
            const out: { topic: string; messages: { key: Buffer | null; value: Buffer; headers: IHeaders }[] }[] = [];
            const send = (topic: string, message: (typeof out)[number]['messages'][number]) => {
              const to = out.find((o) => o.topic === topic) ?? out[out.push({ topic, messages: [] }) - 1]!;
              to.messages.push(message);
            };
            let next: bigint | null = null;
            for (const m of batch.messages) {
              if (BigInt(m.offset) >= end) break;
              next = BigInt(m.offset) + 1n;
              report.read += 1;
              const reason = headerText(m.headers, DLQ_HEADERS.reason) ?? 'unknown';
              const from = `${opts.deadLetterTopic}:${batch.partition}:${m.offset}`;
              if (opts.reason !== undefined && reason !== opts.reason) {
                report.kept += 1;
                send(opts.deadLetterTopic, { key: m.key, value: m.value ?? Buffer.alloc(0), headers: allHeaders(m.headers) });
                continue;
              }
              report.matched[reason] = (report.matched[reason] ?? 0) + 1;
              const count = String(Number(headerText(m.headers, REPLAY_COUNT) ?? '0') + 1);
              const judged = judge(m, opts.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES);
              if (judged === null) {
                if (!opts.dryRun) report.replayed += 1;
                send(opts.targetTopic, {
                  key: m.key,
                  value: m.value ?? Buffer.alloc(0),
                  headers: { ...originalHeaders(m.headers), [REPLAYED_FROM]: from, [REPLAY_COUNT]: count },
                });
              } else {
                report.still_invalid += 1;
                const headers: IHeaders = { ...allHeaders(m.headers), ...judged, [REPLAYED_FROM]: from, [REPLAY_COUNT]: count };
                if (judged[DLQ_HEADERS.field] === undefined) delete headers[DLQ_HEADERS.field];
                send(opts.deadLetterTopic, { key: m.key, value: m.value ?? Buffer.alloc(0), headers });
              }
            }
            if (producer && next !== null) {
              const txn = await producer.transaction();
              try {
                for (const o of out) await txn.send({ topic: o.topic, acks: ACKS_ALL, messages: o.messages });
                await txn.sendOffsets({
                  consumerGroupId: groupId,
                  topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: String(next) }] }],
                });
                await txn.commit();
              } catch (err) {
                await txn.abort().catch(() => undefined);
                throw err;
              }
            }
            opts.onProgress?.(report);
          },
        })
        .catch(reject);
      reader.on(reader.events.CRASH, ({ payload }) => reject(payload.error));
    });
  } finally {
    await consumer?.disconnect();
    await producer?.disconnect();
    await admin.disconnect();
  }
  return report;
}

/** Partitions with dead letters past the group's committed offsets, and their end offsets now. */
async function unreadEnds(admin: ReturnType<Kafka['admin']>, groupId: string, topic: string): Promise<Map<number, bigint>> {
  const ends = await admin.fetchTopicOffsets(topic);
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const from = new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
  const out = new Map<number, bigint>();
  for (const e of ends) {
    const start = [BigInt(e.low), from.get(e.partition) ?? -1n].reduce((a, b) => (a > b ? a : b));
    if (BigInt(e.high) > start) out.set(e.partition, BigInt(e.high));
  }
  return out;
}

/** null when the worker would accept the message now, else its dead-letter reason headers. */
function judge(m: KafkaMessage, maxEventBytes: number): Record<string, string> | null {
  const p = processMessage({ raw: m.value ?? Buffer.alloc(0), source: 'kafka', sourceRef: null, receivedAtMs: Date.now() }, maxEventBytes);
  if (p.kind === 'event') return null;
  const { reason, field, detail } = p.rejection;
  return {
    [DLQ_HEADERS.reason]: reason,
    ...(field !== null ? { [DLQ_HEADERS.field]: field } : {}),
    [DLQ_HEADERS.detail]: detail.slice(0, 1_000),
    [DLQ_HEADERS.refusedAt]: new Date().toISOString(),
  };
}

function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const v = headers?.[name];
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined ? undefined : first.toString();
}

/** Every header, every value in order (Kafka allows a name more than once). */
function allHeaders(headers: IHeaders | undefined): Record<string, Buffer[]> {
  const out: Record<string, Buffer[]> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    out[k] = (Array.isArray(v) ? v : [v]).map((x) => (typeof x === 'string' ? Buffer.from(x) : x));
  }
  return out;
}

function originalHeaders(headers: IHeaders | undefined): Record<string, Buffer[]> {
  const out = allHeaders(headers);
  for (const k of Object.keys(out)) if (k.startsWith('carrello.')) delete out[k];
  return out;
}
