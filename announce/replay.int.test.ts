import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import type { NamedWriter, Warehouse } from '../sql/warehouse.ts';
import { AS_OF, CartBuilder, HOUR } from '../test/fixtures/shop.ts';
import { receiver, type Receiver } from '../test/support/receiver.ts';
import { messagesOf } from '../test/support/traffic.ts';
import { deadLetters, deliver, type DeliverySettings, type Endpoint } from './deliver.ts';
import { replayDeadLetters, replaysRequested, requestReplay } from './replay.ts';
import { newSecret, verifyDelivery } from './signature.ts';
import { deliveryStatus } from './status.ts';
import { FAST_DELIVERY, lifecycleEngines, SHOP_SUPPRESSED, shopDetected } from '../test/support/lifecycleShop.ts';

const FAST: DeliverySettings = { ...FAST_DELIVERY, maxAttempts: 3 };
/** What a first delivery passes over of the shop (deliver.int.test.ts): sent are seqs 6, 7, 8 (B's recovery by F) and 9 (E's abandonment). */
const SUPPRESSED = SHOP_SUPPRESSED;
const engines = lifecycleEngines('lifecyclereplay');

describe.each(engines)('replaying webhook dead letters on %s', (_engine, open) => {
  let store: { warehouse: Warehouse & NamedWriter; cleanup: () => Promise<void> };
  let rx: Receiver;
  let ids: string[];
  /** How the receiver answers E's abandonment (seq 9); everything else it takes. */
  let answerE = 400;
  /** Called on each request the receiver gets. */
  let onE: (() => void) | undefined;
  const secret = newSecret();
  const endpoint = (name: string): Endpoint => ({ name, url: rx.url(`/${name}`), secrets: [secret] });
  const requests = (path: string) => rx.got.filter((g) => g.path === path);
  const acknowledged = (path: string) =>
    requests(path)
      .filter((g) => g.status < 300)
      .map((g) => (JSON.parse(g.body) as { id: string }).id);

  beforeAll(async () => {
    store = await open();
    ids = await shopDetected(store.warehouse);
    expect(ids).toHaveLength(9);
    rx = await receiver((_path, _n, body) => {
      onE?.();
      return body.includes('"cart_id":"E"') ? answerE : 200;
    });
    // Given E's abandonment refused with 400 on every attempt, by three endpoints: dead-lettered, each gone on.
    for (const name of ['picky', 'late', 'forgetful']) {
      expect(await deliver(store.warehouse, endpoint(name), FAST)).toEqual({ delivered: 3, deadLettered: 1, suppressed: SUPPRESSED });
      expect(await deadLetters(store.warehouse, name)).toEqual([{ seq: 9, id: ids[8], attempts: 3, reason: 'http_400' }]);
    }
  }, 120_000);
  afterAll(async () => {
    await rx?.close();
    await store?.cleanup();
  });

  it('refuses a request naming a seq that is not a dead letter of the endpoint, and queues nothing', async () => {
    expect(await requestReplay(store.warehouse, 'picky', { seqs: [9, 3, 99] }, AS_OF)).toEqual({ unknown_seqs: [3, 99] });
    expect(await requestReplay(store.warehouse, 'nobody', { seqs: [9] }, AS_OF)).toEqual({ unknown_seqs: [9] });
    // A reason no dead letter has matches none.
    expect(await requestReplay(store.warehouse, 'picky', { reason: 'timeout' }, AS_OF)).toEqual({ queued: 0 });
    expect(await replaysRequested(store.warehouse, 'picky')).toBe(0);
    // With nothing asked, a replay run reads and sends nothing.
    expect(await replayDeadLetters(store.warehouse, endpoint('picky'), FAST)).toEqual({ delivered: 0, deadLettered: 0, suppressed: {}, notInLog: 0 });
    expect(requests('/picky')).toHaveLength(6);
  });

  it('keeps a replayed dead letter that is refused again, with the attempts of that replay and its reason', async () => {
    answerE = 422;
    expect(await requestReplay(store.warehouse, 'picky', { reason: 'http_400' }, AS_OF)).toEqual({ queued: 1 });
    // Asked twice, queued once.
    expect(await requestReplay(store.warehouse, 'picky', {}, AS_OF)).toEqual({ queued: 1 });
    expect(await replaysRequested(store.warehouse, 'picky')).toBe(1);

    const run = await replayDeadLetters(store.warehouse, endpoint('picky'), { ...FAST, maxAttempts: 2 });
    expect(run).toEqual({ delivered: 0, deadLettered: 1, suppressed: {}, notInLog: 0 });
    expect(await deadLetters(store.warehouse, 'picky')).toEqual([{ seq: 9, id: ids[8], attempts: 2, reason: 'http_422' }]);
    expect(await replaysRequested(store.warehouse, 'picky')).toBe(0);
    expect(
      requests('/picky')
        .slice(6)
        .map((g) => [g.headers['webhook-id'], g.status]),
    ).toEqual([
      [ids[8], 422],
      [ids[8], 422],
    ]);
  });

  it('asks again for a replay stopped between its attempts (a process stopping does not wait out a backoff)', async () => {
    expect(await requestReplay(store.warehouse, 'picky', {}, AS_OF)).toEqual({ queued: 1 });
    const stopping = new AbortController();
    onE = () => stopping.abort();
    const run = await replayDeadLetters(
      store.warehouse,
      endpoint('picky'),
      { ...FAST, minBackoffMs: 60_000, maxBackoffMs: 60_000 },
      { signal: stopping.signal },
    );
    onE = undefined;
    expect(run).toEqual({ delivered: 0, deadLettered: 0, suppressed: {}, notInLog: 0 });
    expect(requests('/picky')).toHaveLength(9);
    expect(await replaysRequested(store.warehouse, 'picky')).toBe(1);
    expect(await deadLetters(store.warehouse, 'picky')).toEqual([{ seq: 9, id: ids[8], attempts: 2, reason: 'http_422' }]);
  });

  it('delivers a replayed dead letter once, under the same webhook-id, and lets it go; the position does not move', async () => {
    answerE = 200;
    expect(await requestReplay(store.warehouse, 'picky', { seqs: [9] }, AS_OF)).toEqual({ queued: 1 });
    expect((await deliveryStatus(store.warehouse, [endpoint('picky')]))[0]).toMatchObject({ delivered_seq: 9, behind: 0, replays_requested: 1 });

    const run = await replayDeadLetters(store.warehouse, endpoint('picky'), FAST);
    expect(run).toEqual({ delivered: 1, deadLettered: 0, suppressed: {}, notInLog: 0 });
    const last = requests('/picky').at(-1)!;
    expect([last.headers['webhook-id'], last.status]).toEqual([ids[8], 200]);
    expect(verifyDelivery(secret, last.headers, last.body, Number(last.headers['webhook-timestamp']))).toEqual({ ok: true });
    // Acknowledged once, after the announcements that came after it in the log.
    expect(acknowledged('/picky')).toEqual([ids[5], ids[6], ids[7], ids[8]]);
    expect(await deliveryStatus(store.warehouse, [endpoint('picky')])).toEqual([
      { name: 'picky', kinds: null, delivered_seq: 9, behind: 0, dead_letters: [], replays_requested: 0 },
    ]);

    // Nothing more goes: not by a replay (none asked, the dead letter is gone), not by the log.
    expect(await requestReplay(store.warehouse, 'picky', { seqs: [9] }, AS_OF)).toEqual({ unknown_seqs: [9] });
    expect(await replayDeadLetters(store.warehouse, endpoint('picky'), FAST)).toEqual({ delivered: 0, deadLettered: 0, suppressed: {}, notInLog: 0 });
    expect(await deliver(store.warehouse, endpoint('picky'), FAST)).toEqual({ delivered: 0, deadLettered: 0, suppressed: {} });
    expect(requests('/picky')).toHaveLength(10);
  });

  it('lets a replayed dead letter go unsent when it is no longer to be sent: its customer ordered since', async () => {
    // cust-1 orders, in another cart, after E's abandonment (2026-03-09T10:00Z).
    const pipeline = new IngestPipeline(store.warehouse);
    const order = new CartBuilder({ cart_id: 'K', customer_id: 'cust-1', channel: 'web', consent: true })
      .add(AS_OF - HOUR, 'P1', 1)
      .order(AS_OF - HOUR / 2, [['P1', 1]]);
    await pipeline.ingest(messagesOf(order.events, AS_OF));
    await pipeline.close();
    answerE = 200;
    const sent = requests('/late').length;

    expect(await requestReplay(store.warehouse, 'late', {}, AS_OF)).toEqual({ queued: 1 });
    expect(await replayDeadLetters(store.warehouse, endpoint('late'), FAST)).toEqual({
      delivered: 0,
      deadLettered: 0,
      suppressed: { ordered_since: 1 },
      notInLog: 0,
    });
    expect(requests('/late')).toHaveLength(sent);
    expect(await deadLetters(store.warehouse, 'late')).toEqual([]);
  });

  it('lets a dead letter go whose announcement left the log (forgotten before forget erased dead letters)', async () => {
    await store.warehouse.writeNamed(['lifecycle_dead_letter'], {
      endpoint: 'old',
      seq: 99,
      id: '00000000-0000-4000-8000-000000000099',
      attempts: 3,
      reason: 'timeout',
      at_ms: AS_OF,
    });
    expect(await requestReplay(store.warehouse, 'old', { seqs: [99] }, AS_OF)).toEqual({ queued: 1 });
    expect(await replayDeadLetters(store.warehouse, endpoint('old'), FAST)).toEqual({ delivered: 0, deadLettered: 0, suppressed: {}, notInLog: 1 });
    expect(requests('/old')).toEqual([]);
    expect(await deadLetters(store.warehouse, 'old')).toEqual([]);
  });

  it("forgets the replay requests and dead letters of a forgotten customer's announcements", async () => {
    expect(await requestReplay(store.warehouse, 'forgetful', {}, AS_OF)).toEqual({ queued: 1 });
    // What the cap per customer keeps of E's replayed abandonment to 'picky' names cust-1 too.
    const capped = async () => {
      const [row] = await store.warehouse.query('lifecycle_capped', {
        endpoint: 'picky',
        customer_id: 'cust-1',
        at_ms: Date.parse('2026-03-09T11:00:00.000Z'),
        cap_ms: 24 * HOUR,
      });
      return row?.capped === true;
    };
    expect(await capped()).toBe(true);

    // E is cust-1's cart.
    await store.warehouse.forgetCustomer('cust-1');
    expect(await replaysRequested(store.warehouse, 'forgetful')).toBe(0);
    expect(await deadLetters(store.warehouse, 'forgetful')).toEqual([]);
    expect(await capped()).toBe(false);
  });
});
