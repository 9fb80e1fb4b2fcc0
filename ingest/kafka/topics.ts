import type { Admin, ITopicConfig } from 'kafkajs';

/** The event topic of contract v1; a new contract version gets a new topic. */
export const DEFAULT_TOPIC = 'carrello.cart-events.v1';

/** A topic's dead-letter topic: the same name with `.dlq`. */
export const deadLetterTopicOf = (topic: string): string => `${topic}.dlq`;

export interface TopicSpec {
  /** The event topic, e.g. carrello.cart-events.v1. */
  topic: string;
  /** Its dead-letter topic, e.g. carrello.cart-events.v1.dlq. */
  deadLetterTopic: string;
  /** Partitions of both topics when they are created (default 12); existing topics are left alone. */
  partitions: number;
  /** Replication factor when created; -1 takes the broker's default.replication.factor. */
  replicationFactor: number;
  /** max.message.bytes of the event topic; the dead-letter topic gets DEAD_LETTER_HEADROOM more for its headers. */
  maxMessageBytes: number;
}

/** Room for the dead-letter headers (reason, detail, source position) around a message of the largest size. */
export const DEAD_LETTER_HEADROOM = 64 * 1024;

/**
 * Creates the event topic and its dead-letter topic when absent (workers and `carrello start` both call
 * this; two callers racing is fine). Returns the names it created.
 */
export async function ensureTopics(admin: Admin, spec: TopicSpec): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const wanted: ITopicConfig[] = [
    topicConfig(spec.topic, spec, spec.maxMessageBytes),
    topicConfig(spec.deadLetterTopic, spec, spec.maxMessageBytes + DEAD_LETTER_HEADROOM),
  ].filter((t) => !existing.has(t.topic));
  await createTopicsAndWait(admin, wanted, [spec.topic, spec.deadLetterTopic]);
  return wanted.map((t) => t.topic);
}

/**
 * Creates topics (kafkajs answers false, not an error, when another process created them first) and
 * waits until every partition of `ready` has a leader that answers ListOffsets. kafkajs's own
 * `waitForLeaders` fails with UNKNOWN_TOPIC_OR_PARTITION when the broker's metadata lags the creation, and
 * a produce or fetch right after creation can meet NOT_LEADER_OR_FOLLOWER: both seen on a busy broker.
 */
export async function createTopicsAndWait(
  admin: Admin,
  topics: readonly ITopicConfig[],
  ready: readonly string[] = topics.map((t) => t.topic),
  timeoutMs = 30_000,
): Promise<void> {
  if (topics.length > 0) await admin.createTopics({ topics: [...topics], waitForLeaders: false });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [...ready] });
      const leaderless = meta.topics.some((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0));
      if (!leaderless) {
        for (const topic of ready) await admin.fetchTopicOffsets(topic);
        return;
      }
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline) throw new Error(`topics ${ready.join(', ')} have no leader after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function topicConfig(topic: string, spec: TopicSpec, maxMessageBytes: number): ITopicConfig {
  return {
    topic,
    numPartitions: spec.partitions,
    replicationFactor: spec.replicationFactor,
    configEntries: [{ name: 'max.message.bytes', value: String(maxMessageBytes) }],
  };
}

/** Partition count of a topic as the cluster has it now. */
export async function partitionsOf(admin: Admin, topic: string): Promise<number> {
  const meta = await admin.fetchTopicMetadata({ topics: [topic] });
  return meta.topics[0]?.partitions.length ?? 0;
}
