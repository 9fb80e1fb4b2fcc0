/**
 * The cart lifecycle in Kafka mode with ClickHouse: a real broker, two ingest workers in one group writing
 * one ClickHouse store (chdb binds its data directory to one process, so both run in this one), each with
 * the lifecycle wired as `carrello ingest` wires it. Only the worker holding partition 0 detects and
 * delivers; when it stops, the other takes over from the positions kept in the store. The announcements
 * go to the lifecycle topic (keyed by cart) and to a real webhook receiver, and equal, id by id and field
 * by field, what embedded DuckDB announces for the same events. Events are produced a step at a time,
 * each step waiting until its events are stored and a detection has passed them (what happened, never a
 * sleep): so an order that occurred a minute before its cart's abandonment instant but arrives 3 minutes
 * late, within the 5 minutes of lateness, lands before the watermark passes the instant.
 */
import type { Kafka } from 'kafkajs';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AnnouncementLog } from '../announce/log.ts';
import { verifyDelivery, newSecret } from '../announce/signature.ts';
import type { CartEvent } from '../ingest/contract/events.ts';
import { createKafka } from '../ingest/kafka/client.ts';
import type { IngestWorker } from '../ingest/kafka/worker.ts';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import { parseConfig } from '../cli/config.ts';
import { startLifecycle } from '../cli/lifecycle.ts';
import type { Periodic } from '../sql/periodic.ts';
import { CartBuilder, shopEvents } from './fixtures/shop.ts';
import { createTopics, inProcessWorker, produce, readTopic, testKafka, topicSpec, unique, waitFor, workerOptions } from './support/kafkaTest.ts';
import { tempClickHouse } from './support/tempClickHouse.ts';
import { tempDuckDb } from './support/tempStore.ts';
import { messagesOf } from './support/traffic.ts';
import { receiver } from './support/receiver.ts';

const brokers = inject('kafkaBrokers');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const LATENESS = 5 * MINUTE;
/** After the shop (March 2–9): carts added at T are abandoned at I = T + 24 h. */
const T = Date.parse('2026-03-12T10:00:00.000Z');
const I = T + DAY;

// First: building the shop numbers event ids from 1 again, so the carts after it get ids of their own.
const SHOP = shopEvents();
const cart = (id: string, customer: string) => new CartBuilder({ cart_id: id, customer_id: customer, channel: 'web', consent: true });
const late = cart('LATE', 'cust-late').add(T, 'P1', 1);
const rec = cart('REC', 'cust-rec').add(T, 'P3', 1);
const tick = (n: number, at: number) => cart(`TICK${n}`, `cust-tick${n}`).add(at, 'P2', 1).events;
/** The steps, in the order they are produced: each is stored and detected past before the next goes. */
const STEPS: { name: string; events: CartEvent[] }[] = [
  { name: 'the shop', events: SHOP },
  { name: 'LATE and REC add at T', events: [...late.events, ...rec.events] },
  // The newest event, 2 min past I: the watermark stops 3 min before I.
  { name: 'an event 2 min past I', events: tick(1, I + 2 * MINUTE) },
  // LATE's order, placed 1 min before I, arrives now: 3 min after it was placed, within the lateness.
  { name: "LATE's order", events: late.order(I - MINUTE, [['P1', 1]]).events.slice(-1) },
  { name: 'an event 2 h past I', events: tick(2, I + 2 * HOUR) },
];
const REC_ORDER = rec.order(I + 3 * HOUR, [['P3', 1]]).events.slice(-1);
const LAST = tick(3, I + 4 * HOUR);

describe.skipIf(brokers === null)('the cart lifecycle in Kafka mode, on ClickHouse, with two workers', () => {
  let kafka: Kafka;
  let store: Awaited<ReturnType<typeof tempClickHouse>>;
  let rx: Awaited<ReturnType<typeof receiver>>;
  const secret = newSecret();
  const eventsTopic = unique('lifecycle-events');
  const lifecycleTopic = unique('cart-lifecycle');
  const group = unique('lifecycle-group');
  const workers: { worker: IngestWorker; lifecycle: Periodic }[] = [];
  let produced = 0;

  const send = async (events: readonly CartEvent[]) => {
    await produce(
      kafka,
      eventsTopic,
      events.map((e) => ({ key: e.cart_id, value: JSON.stringify(e) })),
    );
    produced += events.length;
    await waitFor(`${produced} events stored`, async () => (await store.warehouse.stats()).events_stored === produced || undefined, 120_000);
    // And a detection that has seen them: its watermark is the newest occurred_at less the lateness.
    const newest = Math.max(...events.map((e) => Date.parse(e.occurred_at)));
    await waitFor(
      'a detection past them',
      async () => {
        const [c] = await store.warehouse.query('lifecycle_cursor');
        return (c?.watermark_ms ?? -Infinity) >= newest - LATENESS || undefined;
      },
      120_000,
    );
  };
  const topic = async () =>
    (await readTopic(kafka, lifecycleTopic)).map((m) => ({
      ...m,
      announcement: JSON.parse(m.value!.toString()) as { id: string; kind: string; cart_id: string; at: string },
    }));
  const acknowledged = () => rx.got.filter((g) => g.status < 300).map((g) => JSON.parse(g.body) as { id: string; kind: string; cart_id: string });

  beforeAll(async () => {
    kafka = testKafka(brokers!);
    const admin = kafka.admin();
    await admin.connect();
    await createTopics(admin, topicSpec(eventsTopic, { partitions: 4 }));
    await admin.disconnect();
    store = await tempClickHouse('kafkalifecycle');
    await store.warehouse.migrate();
    rx = await receiver(() => 200);
    const config = parseConfig(
      {},
      {
        CARRELLO_LIFECYCLE_DETECT_MS: '100',
        CARRELLO_LIFECYCLE_LATENESS_MS: String(LATENESS),
        CARRELLO_LIFECYCLE_TOPIC: lifecycleTopic,
        CARRELLO_KAFKA_PARTITIONS: '3',
        CARRELLO_WEBHOOKS: JSON.stringify([{ name: 'flow', url: rx.url('/flow'), secrets: [secret] }]),
        CARRELLO_WEBHOOK_HORIZON_MS: String(10 * 365 * DAY),
        CARRELLO_WEBHOOK_MIN_BACKOFF_MS: '10',
        CARRELLO_WEBHOOK_MAX_BACKOFF_MS: '50',
      },
    );
    for (let i = 0; i < 2; i++) {
      const worker = inProcessWorker(store.warehouse, workerOptions(brokers!, topicSpec(eventsTopic, { partitions: 4 }), group));
      const lifecycle = startLifecycle(
        store.warehouse,
        config,
        worker.leadership,
        pino({ level: 'silent' }),
        new Registry(),
        createKafka({ brokers: brokers!.split(','), clientId: `lifecycle-${i}` }),
      );
      workers.push({ worker, lifecycle });
    }
    await Promise.all(workers.map((w) => w.worker.ready));
  }, 180_000);
  afterAll(async () => {
    for (const w of workers) {
      await w.worker.stop();
      await w.lifecycle.stop();
    }
    await rx?.close();
    await store?.cleanup();
  });

  it('has one worker lead, and the other take over when it stops, resuming from the store', async () => {
    await send(STEPS[0]!.events);
    // The shop's 9 announcements; 4 of them to be sent (docs/lifecycle.md), acknowledged once each.
    await waitFor('the shop on the topic and at the receiver', async () => ((await topic()).length === 9 && acknowledged().length === 4) || undefined, 120_000);
    // One of the two leads (the one holding partition 0; the other never does while it holds it).
    const leader = await waitFor('one leader', () =>
      workers.filter((w) => w.worker.leadership.active()).length === 1 ? workers.find((w) => w.worker.leadership.active()) : undefined,
    );
    expect(leader.worker.health.report().partitions).toContain(0);
    await leader.worker.stop();
    await leader.lifecycle.stop();
    const other = workers.find((w) => w !== leader)!;
    await waitFor('the other worker leads', () => other.worker.leadership.active() || undefined, 120_000);

    for (const step of STEPS.slice(1)) await send(step.events);
    // REC was announced abandoned (and sent) before its customer ordered; the order recovers it.
    await waitFor("REC's abandonment delivered", () => acknowledged().some((a) => a.cart_id === 'REC' && a.kind === 'cart.abandoned') || undefined, 120_000);
    await send(REC_ORDER);
    await send(LAST);
    await waitFor("REC's recovery delivered", () => acknowledged().some((a) => a.cart_id === 'REC' && a.kind === 'cart.recovered') || undefined, 120_000);

    const told = await topic();
    const kinds = (cartId: string) => told.filter((m) => m.announcement.cart_id === cartId).map((m) => m.announcement.kind);
    expect(kinds('LATE')).toEqual([]);
    expect(kinds('REC')).toEqual(['cart.abandoned', 'cart.recovered']);
    // The shop's open cart I (added 03-09 23:30) is abandoned once the stream moved on.
    expect(kinds('I')).toEqual(['cart.abandoned']);
    // Nothing twice, on the topic or at the receiver, across the change of leader.
    expect(new Set(told.map((m) => m.announcement.id)).size).toBe(told.length);
    expect(acknowledged().map((a) => `${a.cart_id} ${a.kind}`)).toEqual([
      'D cart.reactivated',
      'D cart.recovered',
      'B cart.recovered',
      'E cart.abandoned',
      'I cart.abandoned',
      'REC cart.abandoned',
      'REC cart.recovered',
    ]);
    for (const g of rx.got) expect(verifyDelivery(secret, g.headers, g.body, Number(g.headers['webhook-timestamp']))).toEqual({ ok: true });
  }, 600_000);

  it('keys the topic by cart, each cart on one partition in its order, with the id, kind and seq in headers', async () => {
    const told = await topic();
    const partitionOf = new Map<string, number>();
    const lastAt = new Map<string, number>();
    for (const m of told) {
      const a = m.announcement;
      expect(m.key!.toString()).toBe(a.cart_id);
      expect(m.headers['carrello-id']).toBe(a.id);
      expect(m.headers['carrello-kind']).toBe(a.kind);
      expect(partitionOf.get(a.cart_id) ?? m.partition).toBe(m.partition);
      partitionOf.set(a.cart_id, m.partition);
      expect(Date.parse(a.at)).toBeGreaterThanOrEqual(lastAt.get(a.cart_id) ?? -Infinity);
      lastAt.set(a.cart_id, Date.parse(a.at));
    }
    expect(told.map((m) => Number(m.headers['carrello-seq'])).sort((a, b) => a - b)).toEqual(told.map((_, i) => i + 1));
  });

  it('announces what embedded DuckDB announces for the same events: same ids, same content', async () => {
    const duck = await tempDuckDb();
    try {
      const pipeline = new IngestPipeline(duck.warehouse);
      await pipeline.ingest(messagesOf([...STEPS.flatMap((s) => s.events), ...REC_ORDER, ...LAST], Date.now()));
      await pipeline.close();
      const log = new AnnouncementLog(duck.warehouse);
      await log.detect({ abandonAfterMs: DAY, recoveryWindowMs: 7 * DAY, latenessMs: LATENESS, receivedMarginMs: 60_000, pageCarts: 5_000 }, Date.now());
      const embedded = new Map((await log.after(0, 1_000)).map((l) => [l.announcement.id, l.announcement]));
      const kafkaMode = new Map((await topic()).map((m) => [m.announcement.id, m.announcement]));
      // The shop's 9, I's abandonment, REC's abandonment and recovery; nothing of LATE.
      expect(kafkaMode.size).toBe(12);
      expect(kafkaMode).toEqual(embedded);
    } finally {
      await duck.cleanup();
    }
  });
});
