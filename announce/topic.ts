import type { Message, Producer } from 'kafkajs';
import type { NamedWriter, Warehouse } from '../sql/warehouse.ts';
import { deliveredSeq } from './deliver.ts';
import { announcementsAfter } from './log.ts';

/**
 * The announcement log published to a Kafka topic (`carrello.cart-lifecycle.v1` by default, Kafka mode
 * only; docs/lifecycle.md): every announcement in seq order, keyed by cart id (so each cart's arrive in
 * order on one partition: the idempotent producer keeps one request in flight), the value the same JSON
 * as a webhook body, headers `carrello-id`, `carrello-kind` and `carrello-seq`. The topic carries the
 * facts: the per-endpoint suppressions of webhooks (consent, caps, …) are not applied, only the horizon
 * (a backfill floods no consumer). The position is kept like an endpoint's (`lifecycle_delivered`,
 * under `kafka:<topic>`), written after the broker acknowledged a batch (acks=all): a process stopped in
 * between publishes that batch again, with the same ids (a consumer deduplicates on `carrello-id`).
 */

export interface TopicSettings {
  topic: string;
  /** Announcements that happened longer ago are kept in the log, not published. */
  horizonMs: number;
  /** Announcements per produce request (default 500). */
  batch?: number;
}

export interface PublishRun {
  published: number;
  olderThanHorizon: number;
}

/** The position name of a topic in lifecycle_delivered: never a webhook's (their names have no colon). */
export const topicPosition = (topic: string): string => `kafka:${topic}`;

/** Publishes everything after the topic's position, as far as the log goes now. */
export async function publishLog(
  warehouse: Warehouse & NamedWriter,
  producer: Pick<Producer, 'send'>,
  s: TopicSettings,
  deps: { now?: () => number; signal?: AbortSignal } = {},
): Promise<PublishRun> {
  const now = deps.now ?? Date.now;
  const position = topicPosition(s.topic);
  const run: PublishRun = { published: 0, olderThanHorizon: 0 };
  let reached = await deliveredSeq(warehouse, position);
  while (!deps.signal?.aborted) {
    const page = await announcementsAfter(warehouse, reached, s.batch ?? 500);
    if (page.length === 0) break;
    const floor = now() - s.horizonMs;
    const messages: Message[] = [];
    for (const { seq, announcement: a } of page) {
      if (Date.parse(a.at) < floor) {
        run.olderThanHorizon += 1;
        continue;
      }
      messages.push({
        key: a.cart_id,
        value: JSON.stringify(a),
        headers: { 'carrello-id': a.id, 'carrello-kind': a.kind, 'carrello-seq': String(seq), 'content-type': 'application/json' },
      });
    }
    if (messages.length > 0) await producer.send({ topic: s.topic, acks: -1, messages });
    // INVARIANT: the position moves only after the broker acknowledged the batch.
    reached = page.at(-1)!.seq;
    await warehouse.writeNamed(['lifecycle_advance'], { endpoint: position, seq: reached, updated_at_ms: now() });
    run.published += messages.length;
  }
  return run;
}
