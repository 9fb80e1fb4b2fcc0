/**
 * Every read of the catalogue (sql/catalogue/) answers on both engines with rows that fit its declaration:
 * the shop's events, its product catalogue, a refused message, a snapshot, the lifecycle's announcements
 * and a dead letter with its replay asked, then each read query with parameters that find rows. The stores
 * are opened with checkRows (test/support/), so each answer is parsed strictly, whatever its size: a column
 * the declaration does not name, a NULL where it says none, a text where it says an integer all fail.
 *
 * Not run here: the writes (kind 'write': run by the setup and by the suites of what writes them), the
 * funnels' columnar answers (answer 'columns': parity.funnels.int.test.ts) and the streamed exports
 * (answer 'stream': the export suites), which have no rows to parse.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnnouncementLog } from '../announce/log.ts';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import { upsertRates } from '../ingest/exchangeRates.ts';
import { upsertProducts } from '../ingest/products.ts';
import { catalogue, type ParamsOf, type QueryName, type ReadName } from '../sql/catalogue/index.ts';
import type { NamedWriter, Warehouse } from '../sql/warehouse.ts';
import { AS_OF, DAY, shopEvents, T0 } from './fixtures/shop.ts';
import { lifecycleEngines, SHOP_DETECTION } from './support/lifecycleShop.ts';
import { messagesOf } from './support/traffic.ts';

const window = { as_of_ms: AS_OF, abandon_ms: DAY, from_ms: T0, to_ms: AS_OF };

/** Parameters for every read answered as rows, chosen so that each finds rows in the setup below. */
const samples: { [N in ReadName]: ParamsOf<N> } = {
  abandonment: { ...window, breakdown: 'day', tz: 'Europe/Zurich' },
  abandonment_value_days: { ...window, breakdown: 'channel', tz: 'Europe/Zurich' },
  removal: { ...window, group: 'product', breakdown: 'none', item: '', tz: 'UTC' },
  quantity: { ...window, group: 'product' },
  audience: {
    as_of_ms: AS_OF,
    abandon_ms: DAY,
    lookback_ms: 30 * DAY,
    stage: 'any',
    min_value_minor: 0,
    consent: 'any',
    after_at: -1,
    after_cart: null,
    limit: 100,
  },
  audience_value_days: {
    as_of_ms: AS_OF,
    abandon_ms: DAY,
    lookback_ms: 30 * DAY,
    stage: 'any',
    min_value_minor: 0,
    consent: 'any',
    after_at: -1,
    after_cart: null,
    tz: 'UTC',
  },
  audience_lines: { as_of_ms: AS_OF, cart_ids: JSON.stringify(['B', 'C', 'E']), active_from_ms: T0 },
  cart_events: { cart_id: 'A', as_of_ms: AS_OF },
  product_names: { as_of_ms: AS_OF, product_ids: JSON.stringify(['P1', 'P2', 'P9']) },
  catalogue_names: { product_ids: JSON.stringify(['P1', 'P2']) },
  recovery: { as_of_ms: AS_OF, from_ms: T0, to_ms: AS_OF, max_campaigns: 10, value_days: true, tz: 'UTC' },
  exchange_rates: { currency: 'EUR', from_day: '2026-01-01', to_day: '2026-12-31' },
  lifecycle_watermark: {},
  lifecycle_carts: { since_ms: 0, received_after_ms: 0 },
  lifecycle_events: { carts: JSON.stringify(['A', 'B']) },
  lifecycle_customer_carts: { carts: '[]', all: 1 },
  lifecycle_cursor: {},
  lifecycle_feed: { after: 0, limit: 100 },
  lifecycle_head: {},
  lifecycle_delivered: { endpoint: 'hook' },
  lifecycle_ordered_since: { customer_id: 'cust-2', since_ms: T0 },
  lifecycle_capped: { endpoint: 'hook', customer_id: 'cust-1', at_ms: AS_OF, cap_ms: DAY },
  lifecycle_dead_letters: { endpoint: 'hook' },
  lifecycle_replay_unknown: { endpoint: 'hook', seqs: '[1,2]' },
  lifecycle_replay_matching: { endpoint: 'hook', reason: '', seqs: '[]', all_seqs: true },
  lifecycle_replays_requested: { endpoint: 'hook' },
  lifecycle_replay_pending: { endpoint: 'hook', after: 0, limit: 100 },
  stats: {},
  rejected_by_reason: {},
  read_model_lag: {},
  read_model_counts: {},
  export_events_count: { from_ms: T0, to_ms: AS_OF },
  cart_snapshots_of: { cart_id: 'J' },
  snapshot_derived_ids: { cart_id: 'J' },
};

const reads = (Object.keys(catalogue) as QueryName[]).filter((n): n is ReadName => catalogue[n].kind === 'read' && catalogue[n].answer === 'rows');

/** The shop, and something in every table a read query reads. */
async function fill(warehouse: Warehouse & NamedWriter): Promise<void> {
  const pipeline = new IngestPipeline(warehouse);
  // Cart J's events as if derived from its snapshots (snapshot_derived_ids finds them), and one refused message.
  const messages = messagesOf(shopEvents(), AS_OF).map((m) => (JSON.parse(m.raw.toString()).cart_id === 'J' ? { ...m, source: 'cart-snapshot' } : m));
  await pipeline.ingest([...messages, { raw: Buffer.from('not json'), source: 'test', sourceRef: 'request#0', receivedAtMs: AS_OF }]);
  await pipeline.close();
  await upsertProducts(
    warehouse,
    [
      { id: 'P1', name: 'Cordless Drill', category: 'power-tools' },
      { id: 'P2', name: 'Wood Screws' },
    ],
    AS_OF,
  );
  await upsertRates(warehouse, [{ date: '2026-03-03', base: 'CHF', quote: 'EUR', rate: '0.9412' }], AS_OF);
  const snapshot = {
    cart_id: 'J',
    snapshot_id: 's-1',
    occurred_at_ms: T0,
    received_at_ms: AS_OF,
    source: 'test',
    customer_id: 'cust-6',
    anonymous_id: null,
    snapshot: '{"lines":[]}',
  };
  await warehouse.writeNamed(['cart_snapshot_insert'], { rows: JSON.stringify([snapshot]) });
  const log = new AnnouncementLog(warehouse);
  await log.detect(SHOP_DETECTION, AS_OF);
  const [first] = await log.after(0, 1);
  await warehouse.writeNamed(['lifecycle_dead_letter'], {
    endpoint: 'hook',
    seq: first!.seq,
    id: first!.announcement.id,
    attempts: 3,
    reason: 'http_500',
    at_ms: AS_OF,
  });
  await warehouse.writeNamed(['lifecycle_request_replay'], { endpoint: 'hook', reason: '', seqs: '[]', all_seqs: true, requested_at_ms: AS_OF });
}

describe.each(lifecycleEngines('catalogue'))('the catalogue on %s', (_engine, open) => {
  let store: Awaited<ReturnType<typeof open>>;
  beforeAll(async () => {
    store = await open();
    await fill(store.warehouse);
  }, 120_000);
  afterAll(() => store?.cleanup());

  it('has parameters for every read answered as rows', () => {
    expect(Object.keys(samples).sort()).toEqual([...reads].sort());
  });

  it.each(reads)('answers %s with rows that fit its declaration', async (name) => {
    const rows = (await store.warehouse.query(name, samples[name] as never)) as Record<string, unknown>[];
    expect(rows.length).toBeGreaterThan(0);
    // Every row has the columns of one kind of row the declaration names (one kind for most queries).
    const kinds = catalogue[name].shapes.map((s) => Object.keys(s).sort().join(','));
    for (const row of rows) expect(kinds).toContain(Object.keys(row).sort().join(','));
  });
});
