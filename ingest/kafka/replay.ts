import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka } from 'kafkajs';
import { DLQ_HEADERS } from './deadLetter.ts';
import type { BufferedPublisher, OutRecord } from './publisher.ts';

export interface ReplayOptions {
  deadLetterTopic: string;
  /** Where the copies go back to (the event topic). */
  targetTopic: string;
  /** Only dead letters with this carrello.reason (all when absent). */
  reason?: string;
  /** Count only; publish nothing. */
  dryRun: boolean;
}

export interface ReplayReport {
  /** Dead letters read (the topic up to its end offsets when the replay started). */
  read: number;
  /** Of those, matching the filter, by reason. */
  matched: Record<string, number>;
  /** Published back to the target topic (0 on a dry run). */
  replayed: number;
}

/** Header added to a replayed message: the dead letter it came from, `<dlq topic>:<partition>:<offset>`. */
export const REPLAYED_FROM = 'carrello.replayed_from';

/**
 * Sends dead letters back to the event topic, once a producer or the contract was fixed: the original
 * key, bytes and headers, without the carrello.* headers the dead-letter writer added. Reads the
 * dead-letter topic up to its end offsets at the start and stops there. The dead-letter topic is left
 * as it is (it is an audit trail); replaying twice is harmless for valid events, which are stored once by
 * event_id, and a message still invalid is dead-lettered again with its new reason.
 */
export async function replayDeadLetters(kafka: Kafka, publisher: BufferedPublisher, opts: ReplayOptions): Promise<ReplayReport> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(opts.deadLetterTopic);
  const remaining = new Map(ends.filter((e) => BigInt(e.high) > BigInt(e.low)).map((e) => [e.partition, BigInt(e.high)]));
  const report: ReplayReport = { read: 0, matched: {}, replayed: 0 };
  if (remaining.size === 0) {
    await admin.disconnect();
    return report;
  }
  const groupId = `carrello-dlq-replay-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxBytesPerPartition: 8 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic: opts.deadLetterTopic, fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      void consumer
        .run({
          eachBatch: async ({ batch }) => {
            const end = remaining.get(batch.partition);
            if (end === undefined) return;
            const out: OutRecord[] = [];
            for (const m of batch.messages) {
              if (BigInt(m.offset) >= end) break;
              report.read += 1;
              const reason = headerText(m.headers, DLQ_HEADERS.reason) ?? 'unknown';
              if (opts.reason !== undefined && reason !== opts.reason) continue;
              report.matched[reason] = (report.matched[reason] ?? 0) + 1;
              out.push({
                topic: opts.targetTopic,
                key: m.key,
                value: m.value ?? Buffer.alloc(0),
                headers: { ...originalHeaders(m.headers), [REPLAYED_FROM]: `${opts.deadLetterTopic}:${batch.partition}:${m.offset}` },
              });
            }
            if (!opts.dryRun && out.length > 0) {
              await publisher.publish(out);
              report.replayed += out.length;
            }
            if (BigInt(batch.lastOffset()) + 1n >= end) remaining.delete(batch.partition);
            if (remaining.size === 0) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
  return report;
}

function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const v = headers?.[name];
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined ? undefined : first.toString();
}

function originalHeaders(headers: IHeaders | undefined): Record<string, Buffer[]> {
  const out: Record<string, Buffer[]> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined || k.startsWith('carrello.')) continue;
    out[k] = (Array.isArray(v) ? v : [v]).map((x) => (typeof x === 'string' ? Buffer.from(x) : x));
  }
  return out;
}
