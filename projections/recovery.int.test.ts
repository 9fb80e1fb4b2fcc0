import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnnouncementLog } from '../announce/log.ts';
import type { NamedWriter, Warehouse } from '../sql/warehouse.ts';
import { AS_OF, DAY, HOUR, T0 } from '../test/fixtures/shop.ts';
import { eComesBack, shopAtAsOf, storeDetectDeliver } from '../test/support/recovery.ts';
import { receiver, type Receiver } from '../test/support/receiver.ts';
import { tempClickHouse } from '../test/support/tempClickHouse.ts';
import { tempDuckDb } from '../test/support/tempStore.ts';
import { lifecycleId, type Announcement } from './lifecycle.ts';
import { recoveryReport } from './recovery.ts';

type Store = { warehouse: Warehouse & NamedWriter; cleanup: () => Promise<void>; rows: (sql: string) => Promise<Record<string, unknown>[]> };
const engines: [string, () => Promise<Store>][] = [
  [
    'DuckDB',
    async () => {
      const s = await tempDuckDb();
      return { ...s, rows: (sql) => s.warehouse.all(sql) };
    },
  ],
  [
    'ClickHouse',
    async () => {
      const s = await tempClickHouse('recovery');
      return { ...s, rows: (sql) => s.warehouse.rows(sql) };
    },
  ],
];

const iso = (ms: number) => new Date(ms).toISOString();
const WINDOW = { from: T0, to: AS_OF };
const eur = (value_minor: number, episodes: number) => ({ currency: 'EUR', value_minor, episodes });
const chf = (value_minor: number, episodes: number) => ({ currency: 'CHF', value_minor, episodes });
/**
 * D: abandoned at day 2 08:00, ordered at day 5 08:20 (3 days 20 minutes); B: abandoned at day 1 12:30,
 * recovered by customer 2's order in F at day 7 09:05 (5 days 20 h 35 min); E: day 7 10:00 → AS_OF + 2 h (16 h).
 */
const D_MS = 3 * DAY + 20 * 60_000;
const B_MS = 5 * DAY + 20 * HOUR + 35 * 60_000;
const E_MS = 16 * HOUR;

/**
 * The shop's episodes abandoned in [T0, AS_OF), as of AS_OF (docs/metrics.md, "Recovery report"), worked
 * by hand: B (cart, app, 15,598 EUR), D (cart, web, the hammer 1,599), C (checkout, web, 4,990), G (cart,
 * marketplace, 1,497), H (cart, web, 2,599), E (cart, store, 3,316 CHF): 6 episodes, 26,283 EUR over 5
 * and 3,316 CHF over 1. Announced: E only (B and D were followed by their customers' orders, C and G
 * anonymous, H without consent). Back and recovered: D (a return at day 5 08:00, the order 20 minutes
 * later, 12,999 EUR, no campaign: "(none)"), 3 days 20 minutes after its abandonment; and B, by its
 * customer's order in F (another cart: 499 EUR, no campaign), 5 days 20 h 35 min after. Median of the
 * two: their mean, 4 days 14 h 27 min 30 s.
 */
const AT_AS_OF = {
  as_of: iso(AS_OF),
  from: iso(T0),
  to: iso(AS_OF),
  settled_through: iso(AS_OF - 30 * 60_000),
  steps: [
    { step: 'abandoned', episodes: 6, rate_from_abandoned: 1, value_by_currency: [chf(3316, 1), eur(26283, 5)] },
    { step: 'announced', episodes: 1, rate_from_abandoned: 1 / 6 },
    { step: 'reactivated', episodes: 2, rate_from_abandoned: 2 / 6 },
    {
      step: 'recovered',
      episodes: 2,
      rate_from_abandoned: 2 / 6,
      via_other_cart: 1,
      value_by_currency: [eur(13498, 2)],
      median_ms_since_abandoned: (D_MS + B_MS) / 2,
    },
  ],
  announced_vs_not: {
    announced: { episodes: 1, recovered: 0, recovery_rate: 0, recovered_value_by_currency: [] },
    not_announced: { episodes: 5, recovered: 2, recovery_rate: 0.4, recovered_value_by_currency: [eur(13498, 2)] },
  },
  by_stage: [
    // B, D, E, G, H: 15,598 + 1,599 + 1,497 + 2,599 = 21,293 EUR over 4.
    {
      value: 'cart',
      abandoned: 5,
      announced: 1,
      reactivated: 2,
      recovered: 2,
      via_other_cart: 1,
      recovery_rate: 0.4,
      abandoned_value_by_currency: [chf(3316, 1), eur(21293, 4)],
      recovered_value_by_currency: [eur(13498, 2)],
      median_ms_since_abandoned: (D_MS + B_MS) / 2,
    },
    {
      value: 'checkout',
      abandoned: 1,
      announced: 0,
      reactivated: 0,
      recovered: 0,
      via_other_cart: 0,
      recovery_rate: 0,
      abandoned_value_by_currency: [eur(4990, 1)],
      recovered_value_by_currency: [],
      median_ms_since_abandoned: null,
    },
  ],
  by_channel: [
    {
      value: 'app',
      abandoned: 1,
      announced: 0,
      reactivated: 1,
      recovered: 1,
      via_other_cart: 1,
      recovery_rate: 1,
      abandoned_value_by_currency: [eur(15598, 1)],
      recovered_value_by_currency: [eur(499, 1)],
      median_ms_since_abandoned: B_MS,
    },
    {
      value: 'marketplace',
      abandoned: 1,
      announced: 0,
      reactivated: 0,
      recovered: 0,
      via_other_cart: 0,
      recovery_rate: 0,
      abandoned_value_by_currency: [eur(1497, 1)],
      recovered_value_by_currency: [],
      median_ms_since_abandoned: null,
    },
    {
      value: 'store',
      abandoned: 1,
      announced: 1,
      reactivated: 0,
      recovered: 0,
      via_other_cart: 0,
      recovery_rate: 0,
      abandoned_value_by_currency: [chf(3316, 1)],
      recovered_value_by_currency: [],
      median_ms_since_abandoned: null,
    },
    // C, D, H: 4,990 + 1,599 + 2,599 = 9,188.
    {
      value: 'web',
      abandoned: 3,
      announced: 0,
      reactivated: 1,
      recovered: 1,
      via_other_cart: 0,
      recovery_rate: 1 / 3,
      abandoned_value_by_currency: [eur(9188, 3)],
      recovered_value_by_currency: [eur(12999, 1)],
      median_ms_since_abandoned: D_MS,
    },
  ],
  by_campaign: [
    {
      value: '(none)',
      reactivated: 2,
      announced: 0,
      recovered: 2,
      via_other_cart: 1,
      recovered_value_by_currency: [eur(13498, 2)],
      median_ms_since_abandoned: (D_MS + B_MS) / 2,
    },
  ],
};

describe.each(engines)('the recovery report on %s', (_engine, open) => {
  let store: Store;
  let rx: Receiver;
  const report = async (asOf: number, w = WINDOW) => (await recoveryReport(store.warehouse, { ...w, as_of: asOf })).json;
  beforeAll(async () => {
    store = await open();
    rx = await receiver(() => 204);
    expect(await shopAtAsOf(store.warehouse, rx.url('/hooks'))).toEqual({
      delivered: 4,
      deadLettered: 0,
      suppressed: { ordered_since: 2, anonymous: 2, no_consent: 1 },
    });
  }, 120_000);
  afterAll(async () => {
    await rx?.close();
    await store?.cleanup();
  });

  it('gives the shop as of its end: 6 episodes, 1 announced, 2 back and recovered (1 by another cart), values per currency', async () => {
    expect(await report(AS_OF)).toEqual(AT_AS_OF);
  });

  it('counts only what was detected and acknowledged by as_of', async () => {
    // A millisecond before the detection ran, the log was empty: nothing abandoned yet as far as it knew.
    const before = await report(AS_OF - 1);
    expect(before.steps.map((s) => s.episodes)).toEqual([0, 0, 0, 0]);
    expect(before.steps[0]!.rate_from_abandoned).toBeNull();
    // Only the range: D's and C's abandonments (day 2) alone.
    const day2 = await report(AS_OF, { from: T0 + 2 * DAY, to: T0 + 3 * DAY });
    expect([day2.steps.map((s) => s.episodes), day2.steps[0]!.value_by_currency]).toEqual([[2, 0, 1, 1], [eur(6589, 2)]]);
  });

  it('gives the same answer as of AS_OF after detection and delivery moved on; the later as_of sees E come back through a campaign', async () => {
    const later = AS_OF + DAY;
    // E's return and order, detected and delivered a day later.
    expect(await storeDetectDeliver(store.warehouse, eComesBack(), later, rx.url('/hooks'))).toEqual({ delivered: 2, deadLettered: 0, suppressed: {} });
    expect(await report(AS_OF)).toEqual({ ...AT_AS_OF, settled_through: iso(AS_OF + 2 * HOUR) });
    const now = await report(later);
    expect(now.steps).toEqual([
      AT_AS_OF.steps[0],
      AT_AS_OF.steps[1],
      { step: 'reactivated', episodes: 3, rate_from_abandoned: 3 / 6 },
      // D's 12,999 and B's 499 EUR, E's 3,790 CHF, never added; median of 16 h, 3 d 20 min and 5 d 20 h 35 min: the middle one.
      {
        step: 'recovered',
        episodes: 3,
        rate_from_abandoned: 3 / 6,
        via_other_cart: 1,
        value_by_currency: [chf(3790, 1), eur(13498, 2)],
        median_ms_since_abandoned: D_MS,
      },
    ]);
    expect(now.announced_vs_not.announced).toEqual({ episodes: 1, recovered: 1, recovery_rate: 1, recovered_value_by_currency: [chf(3790, 1)] });
    expect(now.by_campaign).toEqual([
      AT_AS_OF.by_campaign[0],
      {
        value: 'winback',
        reactivated: 1,
        announced: 1,
        recovered: 1,
        via_other_cart: 0,
        recovered_value_by_currency: [chf(3790, 1)],
        median_ms_since_abandoned: E_MS,
      },
    ]);
  });

  it('counts a recovery by an order of another cart (via_cart_id) as recovered, and apart', async () => {
    // A log entry as cross-cart recovery writes it: K abandoned at day 3, recovered at day 5 by cart L's order.
    const at = T0 + 3 * DAY;
    const common = { cart_id: 'K', episode: 1, customer_id: 'cust-8', anonymous_id: null };
    const found = [
      {
        ...common,
        id: lifecycleId('K', 1, 'cart.abandoned'),
        kind: 'cart.abandoned',
        at_ms: at,
        stage: 'checkout',
        currency: 'EUR',
        channel: 'app',
        campaign: null,
        value_minor: 5000,
      },
      {
        ...common,
        id: lifecycleId('K', 1, 'cart.recovered'),
        kind: 'cart.recovered',
        at_ms: at + 2 * DAY,
        order_id: 'ord-L',
        currency: 'EUR',
        total_minor: 5200,
        campaign: 'winback',
        ms_since_abandoned: 2 * DAY,
        via_cart_id: 'L',
      },
    ] as unknown as Announcement[];
    const detectedAt = AS_OF + 2 * DAY;
    await new AnnouncementLog(store.warehouse).keep(found, detectedAt);
    // Not known before it was kept.
    expect((await report(AS_OF + DAY)).steps[3]!.episodes).toBe(3);
    const r = await report(detectedAt);
    // Four recoveries (16 h, 2 d, 3 d 20 min, 5 d 20 h 35 min): the median is the mean of the middle two.
    expect(r.steps[3]).toEqual({
      step: 'recovered',
      episodes: 4,
      rate_from_abandoned: 4 / 7,
      via_other_cart: 2,
      value_by_currency: [chf(3790, 1), eur(18698, 3)],
      median_ms_since_abandoned: (2 * DAY + D_MS) / 2,
    });
    expect(r.by_campaign.map((c) => [c.value, c.reactivated, c.recovered, c.via_other_cart])).toEqual([
      ['(none)', 2, 2, 1],
      ['winback', 2, 2, 1],
    ]);
    // Past the most campaigns kept, the rest are one value, "(other)", with its own median.
    const capped = await store.warehouse.query('recovery', { from_ms: T0, to_ms: AS_OF, as_of_ms: detectedAt, max_campaigns: 1, value_days: false, tz: 'UTC' });
    expect(
      capped
        .filter((row) => row.part === 'episodes' && row.dim === 'campaign')
        .map((row) => [row.key, Number(row.recovered), Number(row.median_ms_to_recovery)]),
    ).toEqual([
      // A tie (2 each) goes to the name: "(none)" sorts before "winback".
      ['(none)', 2, (D_MS + B_MS) / 2],
      ['(other)', 2, (E_MS + 2 * DAY) / 2],
    ]);
    expect(r.by_stage.find((s) => s.value === 'checkout')).toMatchObject({
      abandoned: 2,
      recovered: 1,
      via_other_cart: 1,
      abandoned_value_by_currency: [eur(9990, 2)],
    });
  });

  it("forgets a customer's acknowledgements and the cap's rows with their announcements", async () => {
    const acknowledged = async () =>
      (await store.rows('SELECT seq, kind FROM lifecycle_acknowledged ORDER BY seq')).map((r) => `${String(r.seq)} ${String(r.kind)}`);
    // D's return and recovery (seqs 6, 7), B's recovery by F (8), E's abandonment (9), then E's return and recovery.
    expect(await acknowledged()).toEqual([
      '6 cart.reactivated',
      '7 cart.recovered',
      '8 cart.recovered',
      '9 cart.abandoned',
      '10 cart.reactivated',
      '11 cart.recovered',
    ]);
    const sent = async () =>
      (await store.rows('SELECT seq, customer_id FROM lifecycle_sent ORDER BY seq')).map((r) => `${String(r.seq)} ${String(r.customer_id)}`);
    expect(await sent()).toEqual(['9 cust-1']);
    // cust-1's carts are A and E: what was kept of E's announcements goes, the cap's row naming cust-1 too.
    await store.warehouse.forgetCustomer('cust-1');
    expect(await acknowledged()).toEqual(['6 cart.reactivated', '7 cart.recovered', '8 cart.recovered']);
    expect(await sent()).toEqual([]);
  });
});
