import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import type { NamedWriter, Warehouse } from '../sql/warehouse.ts';
import { CartBuilder, HOUR } from '../test/fixtures/shop.ts';
import { receiver } from '../test/support/receiver.ts';
import { messagesOf } from '../test/support/traffic.ts';
import { deadLetters, deliver, type Endpoint } from './deliver.ts';
import { DEFAULT_PAGE_CARTS } from './detect.ts';
import { AnnouncementLog } from './log.ts';
import { newSecret, verifyDelivery } from './signature.ts';
import { FAST_DELIVERY, lifecycleEngines, SHOP_SUPPRESSED, shopDetected } from '../test/support/lifecycleShop.ts';

const FAST = FAST_DELIVERY;
const SUPPRESSED = SHOP_SUPPRESSED;
const engines = lifecycleEngines('lifecycledeliver');

describe.each(engines)('webhook delivery on %s', (_engine, open) => {
  let store: { warehouse: Warehouse & NamedWriter; cleanup: () => Promise<void> };
  let rx: Awaited<ReturnType<typeof receiver>>;
  let ids: string[];
  const secret = newSecret();
  const endpoint = (name: string, over: Partial<Endpoint> = {}): Endpoint => ({ name, url: rx.url(`/${name}`), secrets: [secret], ...over });
  const acknowledged = (path: string) => rx.got.filter((g) => g.path === path && g.status < 300).map((g) => (JSON.parse(g.body) as { id: string }).id);

  beforeAll(async () => {
    store = await open();
    ids = await shopDetected(store.warehouse);
    expect(ids).toHaveLength(9);
    rx = await receiver((path, n, body) => {
      if (path === '/flaky') return n <= 3 ? 503 : 200;
      if (path === '/outage') return n <= 20 ? 502 : 204;
      if (path === '/picky') return body.includes('"cart_id":"E"') ? 400 : 200;
      return 200;
    });
  }, 120_000);
  afterAll(async () => {
    await rx?.close();
    await store?.cleanup();
  });

  it('delivers each announcement once, in the order of the log, signed, through a short outage; suppressed ones not at all', async () => {
    const run = await deliver(store.warehouse, endpoint('flaky'), FAST);
    expect(run).toEqual({ delivered: 4, deadLettered: 0, suppressed: SUPPRESSED });
    expect(rx.got.filter((g) => g.path === '/flaky')).toHaveLength(7);
    expect(acknowledged('/flaky')).toEqual(ids.slice(5));
    for (const g of rx.got.filter((x) => x.path === '/flaky')) {
      expect(g.headers['webhook-id']).toBe((JSON.parse(g.body) as { id: string }).id);
      expect(verifyDelivery(secret, g.headers, g.body, Number(g.headers['webhook-timestamp']))).toEqual({ ok: true });
    }
    // A second run (a restart) sends nothing the endpoint acknowledged.
    expect(await deliver(store.warehouse, endpoint('flaky'), FAST)).toEqual({ delivered: 0, deadLettered: 0, suppressed: {} });
    expect(rx.got.filter((g) => g.path === '/flaky')).toHaveLength(7);
  });

  it('gives a receiver that was down longer than several retries everything, in order, when it comes back', async () => {
    const run = await deliver(store.warehouse, endpoint('outage'), { ...FAST, maxAttempts: 25 });
    expect(run).toEqual({ delivered: 4, deadLettered: 0, suppressed: SUPPRESSED });
    expect(rx.got.filter((g) => g.path === '/outage' && g.status === 502)).toHaveLength(20);
    expect(acknowledged('/outage')).toEqual(ids.slice(5));
  });

  it('dead-letters what the receiver refuses every time, with the reason, and goes on with the rest', async () => {
    const run = await deliver(store.warehouse, endpoint('picky'), { ...FAST, maxAttempts: 3 });
    expect(run).toEqual({ delivered: 3, deadLettered: 1, suppressed: SUPPRESSED });
    expect(await deadLetters(store.warehouse, 'picky')).toEqual([{ seq: 9, id: ids[8], attempts: 3, reason: 'http_400' }]);
    expect(acknowledged('/picky')).toEqual(ids.slice(5, 8));
  });

  it('sends anonymous carts and a minimum value when the endpoint says so', async () => {
    // D (1,599), C (4,990), G (1,497) and E (3,316 CHF cents) are worth less than 5,000; B (15,598) was
    // followed by its customer's order: only D's return and recovery, and B's recovery by F, go.
    const run = await deliver(store.warehouse, endpoint('rich', { anonymous: true, min_value_minor: 5_000 }), FAST);
    expect(run).toEqual({ delivered: 3, deadLettered: 0, suppressed: { ordered_since: 1, below_min_value: 4, no_consent: 1 } });
    const open = await deliver(store.warehouse, endpoint('everyone', { anonymous: true }), FAST);
    expect(open).toEqual({ delivered: 6, deadLettered: 0, suppressed: { ordered_since: 2, no_consent: 1 } });
    expect(rx.got.filter((g) => g.path === '/everyone').map((g) => (JSON.parse(g.body) as { cart_id: string }).cart_id)).toEqual([
      'C',
      'G',
      'D',
      'D',
      'B',
      'E',
    ]);
  });

  it('keeps what happened before the horizon in the log without sending it (a backfill floods nobody)', async () => {
    const run = await deliver(store.warehouse, endpoint('recent'), { ...FAST, horizonMs: 24 * HOUR });
    expect(run).toEqual({ delivered: 0, deadLettered: 0, suppressed: { older_than_horizon: 9 } });
    expect(rx.got.filter((g) => g.path === '/recent')).toEqual([]);
  });

  it('sends an endpoint only the kinds it asked for', async () => {
    const run = await deliver(store.warehouse, endpoint('recoveries', { kinds: ['cart.recovered'] }), FAST);
    expect(run).toEqual({ delivered: 2, deadLettered: 0, suppressed: { kind_not_asked: 7 } });
    expect(
      rx.got
        .filter((g) => g.path === '/recoveries')
        .map((g) => `${(JSON.parse(g.body) as { kind: string; cart_id: string }).kind} ${(JSON.parse(g.body) as { cart_id: string }).cart_id}`),
    ).toEqual(['cart.recovered D', 'cart.recovered B']);
  });
});

describe.each(engines)('the cap per customer on %s', (_engine, open) => {
  let store: { warehouse: Warehouse & NamedWriter; cleanup: () => Promise<void> };
  let rx: Awaited<ReturnType<typeof receiver>>;
  const secret = newSecret();
  const T = Date.parse('2026-04-06T08:00:00.000Z');
  beforeAll(async () => {
    store = await open();
    // One customer's three carts, abandoned at T+24 h, T+26 h and T+54 h; another cart's event moves the
    // watermark past them all.
    const carts = [
      new CartBuilder({ cart_id: 'X1', customer_id: 'cust-cap', channel: 'web', consent: true }).add(T, 'P1', 1),
      new CartBuilder({ cart_id: 'X2', customer_id: 'cust-cap', channel: 'web', consent: true }).add(T + 2 * HOUR, 'P3', 1),
      new CartBuilder({ cart_id: 'X3', customer_id: 'cust-cap', channel: 'app', consent: true }).add(T + 30 * HOUR, 'P5', 2),
      new CartBuilder({ cart_id: 'Y', customer_id: 'cust-other', channel: 'web', consent: true }).add(T + 60 * HOUR, 'P2', 1),
    ];
    const pipeline = new IngestPipeline(store.warehouse);
    await pipeline.ingest(
      messagesOf(
        carts.flatMap((c) => c.events),
        T + 60 * HOUR,
      ),
    );
    await pipeline.close();
    await new AnnouncementLog(store.warehouse).detect(
      { abandonAfterMs: 24 * HOUR, recoveryWindowMs: 7 * 24 * HOUR, latenessMs: 0, receivedMarginMs: 0, pageCarts: DEFAULT_PAGE_CARTS },
      T + 60 * HOUR,
    );
    rx = await receiver(() => 200);
  }, 120_000);
  afterAll(async () => {
    await rx?.close();
    await store?.cleanup();
  });
  const sent = (path: string) => rx.got.filter((g) => g.path === path).map((g) => (JSON.parse(g.body) as { cart_id: string }).cart_id);

  it('sends one abandonment per customer within 24 hours by default, by the abandonments own times', async () => {
    const run = await deliver(store.warehouse, { name: 'capped', url: rx.url('/capped'), secrets: [secret] }, FAST);
    expect(run).toEqual({ delivered: 2, deadLettered: 0, suppressed: { capped: 1 } });
    expect(sent('/capped')).toEqual(['X1', 'X3']);
  });

  it('sends them all with cap_hours 0', async () => {
    const run = await deliver(store.warehouse, { name: 'uncapped', url: rx.url('/uncapped'), secrets: [secret], cap_hours: 0 }, FAST);
    expect(run).toEqual({ delivered: 3, deadLettered: 0, suppressed: {} });
    expect(sent('/uncapped')).toEqual(['X1', 'X2', 'X3']);
  });
});
