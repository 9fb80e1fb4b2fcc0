/**
 * A reporting currency (issue 16, docs/metrics.md "Reporting currency"): the hand-made shop's EUR and CHF
 * amounts converted at each local day's exchange rate, beside (never instead of) the values per currency;
 * the same numbers on DuckDB and ClickHouse, through the projections and through the API.
 *
 * The shop as of AS_OF (2026-03-10), abandoned after 24 h: B 15,598 EUR (abandoned 03-03), C 4,990 EUR
 * (03-04), G 1,497 EUR (03-05), H 2,599 EUR (03-06), E 3,316 CHF (03-09 10:00 UTC). The recovery report's
 * episodes add D 1,599 EUR (abandoned 03-04), recovered by its order of 12,999 EUR on 03-07, and B's
 * recovery by customer 2's order of 499 EUR on 03-09.
 * The rates: on 03-09 one CHF is worth 0.9412 EUR (first sent as 0.95, then corrected); on 03-01 one EUR is
 * worth 1.125 USD. No CHF/USD rate.
 */
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertRates } from '../ingest/exchangeRates.ts';
import { abandonmentFunnel, type AnalysisWindow } from '../projections/analyses.ts';
import { abandonedCartAudience } from '../projections/audiences.ts';
import { recoveryReport } from '../projections/recovery.ts';
import { AS_OF, DAY, T0 } from './fixtures/shop.ts';
import { serveApp } from './support/app.ts';
import { lifecycleEngines, shopDetected, type LifecycleStore } from './support/lifecycleShop.ts';
import type { GetAnswer } from '../api/http/answers.ts';

const W: AnalysisWindow = { from: T0, to: AS_OF, as_of: AS_OF, abandon_ms: DAY };
const QUERY = `from=${new Date(T0).toISOString()}&to=${new Date(AS_OF).toISOString()}&as_of=${new Date(AS_OF).toISOString()}`;
const EUR_ABANDONED = 15598 + 4990 + 1497 + 2599;

/** 24,684 EUR as is, and 3,316 CHF × 0.9412 = 3,121.0192 EUR → 3,121: 27,805 EUR. */
const IN_EUR = { currency: 'EUR', value_minor: EUR_ABANDONED + 3121, rates: [{ currency: 'CHF', rate_date: '2026-03-09', rate: '0.9412' }], unconverted: [] };
/**
 * 24,684 EUR × 1.125 = 27,769.5 USD cents: a tie, to the even 27,770. The EUR amounts of 03-03 to 03-06
 * take 03-01's rate (2 to 5 days before); the CHF has no rate into USD.
 */
const IN_USD = {
  currency: 'USD',
  value_minor: 27770,
  rates: [{ currency: 'EUR', rate_date: '2026-03-01', rate: '1.125' }],
  unconverted: [{ currency: 'CHF', value_minor: 3316, days: ['2026-03-09'], reason: 'no_rate' }],
};

describe.each(lifecycleEngines('currencies'))('a reporting currency on %s', (_engine, open) => {
  let store: LifecycleStore;
  let server: Awaited<ReturnType<typeof serveApp>>;
  const get = async <T>(path: string) => {
    const res = await fetch(`${server.url}${path}`);
    return { status: res.status, body: (await res.json()) as T };
  };
  beforeAll(async () => {
    store = await open();
    await shopDetected(store.warehouse);
    server = await serveApp(store.warehouse);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await store?.cleanup();
  });

  it('stores rates from PUT /v1/exchange-rates (JSON and NDJSON); a rate sent again for its day and pair replaces it', async () => {
    const put = (body: string, type = 'application/json') =>
      fetch(`${server.url}/v1/exchange-rates`, { method: 'PUT', headers: { 'content-type': type }, body });
    const first = await put(
      JSON.stringify([
        { date: '2026-03-09', base: 'CHF', quote: 'EUR', rate: '0.95' },
        { date: '2026-03-01', base: 'EUR', quote: 'USD', rate: 1.125 },
      ]),
    );
    expect([first.status, await first.json()]).toEqual([200, { received: 2, rates: 2 }]);
    const again = await put(
      '{"date":"2026-03-09","base":"CHF","quote":"EUR","rate":"0.9"}\n{"date":"2026-03-09","base":"CHF","quote":"EUR","rate":"0.9412"}\n',
      'application/x-ndjson',
    );
    // Of one request's rates for a day and pair, the last; over requests, the latest.
    expect([again.status, await again.json()]).toEqual([200, { received: 2, rates: 1 }]);
    expect((await abandonmentFunnel(store.warehouse, { ...W, currency: 'EUR' }, 'none')).json.abandoned.value_converted).toEqual(IN_EUR);
  });

  it('refuses a rate that is not an exact decimal, a pair of one currency, a day that does not exist, naming row and field', async () => {
    for (const [rows, detail] of [
      [[{ date: '2026-03-01', base: 'EUR', quote: 'USD', rate: 1e-7 }], 'body 0.rate: expected a decimal such as "0.9412"'],
      [
        [
          { date: '2026-03-01', base: 'EUR', quote: 'USD', rate: '1' },
          { date: '2026-03-01', base: 'EUR', quote: 'EUR', rate: '1' },
        ],
        'body 1.quote: base and quote are the same currency',
      ],
      [[{ date: '2026-02-30', base: 'EUR', quote: 'USD', rate: '1' }], 'body 0.date:'],
      [[{ date: '2026-03-01', base: 'EUR', quote: 'USD', rate: '0' }], 'body 0.rate: expected a rate above 0'],
      [[{ date: '2026-03-01', base: 'EUR', quote: 'XXY', rate: '1' }], 'body 0.quote: unknown ISO 4217 currency code'],
    ] as const) {
      const res = await fetch(`${server.url}/v1/exchange-rates`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(rows),
      });
      expect([res.status, ((await res.json()) as { detail: string }).detail]).toEqual([400, expect.stringContaining(detail)]);
    }
    // Nothing of a refused request was stored: EUR → USD is still 1.125.
    expect((await abandonmentFunnel(store.warehouse, { ...W, currency: 'USD' }, 'none')).json.abandoned.value_converted).toEqual(IN_USD);
  });

  it('converts the abandonment funnel at the rate of each abandonment’s local day, rounding half to even, naming what has no rate', async () => {
    const eur = (await abandonmentFunnel(store.warehouse, { ...W, currency: 'EUR' }, 'none')).json;
    // Beside the values per currency, which stay as they are.
    expect(eur.abandoned.value_by_currency).toEqual([
      { currency: 'CHF', value_minor: 3316, carts: 1 },
      { currency: 'EUR', value_minor: EUR_ABANDONED, carts: 4 },
    ]);
    expect(eur.abandoned.value_converted).toEqual(IN_EUR);
    expect((await abandonmentFunnel(store.warehouse, { ...W, currency: 'USD' }, 'none')).json.abandoned.value_converted).toEqual(IN_USD);
    // In CHF: EUR → CHF only as the inverse of a CHF → EUR rate, and the one stored (03-09) is after every EUR abandonment.
    expect((await abandonmentFunnel(store.warehouse, { ...W, currency: 'CHF' }, 'none')).json.abandoned.value_converted).toEqual({
      currency: 'CHF',
      value_minor: 3316,
      rates: [],
      unconverted: [{ currency: 'EUR', value_minor: EUR_ABANDONED, days: ['2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06'], reason: 'no_rate' }],
    });
    // Without a currency, the answer is as before: no converted value.
    expect((await abandonmentFunnel(store.warehouse, W, 'none')).json.abandoned).not.toHaveProperty('value_converted');
  });

  it('converts each breakdown value on its own, and gives the converted total its own CSV columns', async () => {
    const byDay = await abandonmentFunnel(store.warehouse, { ...W, currency: 'EUR' }, 'day');
    // By the day each cart started (none on 03-07): E started on 03-08, abandoned on 03-09, whose rate converts it.
    expect(byDay.json.breakdown_values!.map((d) => [d.value, d.abandoned.value_converted?.value_minor, d.abandoned.value_converted?.rates.length])).toEqual([
      ['2026-03-02', 15598, 0],
      ['2026-03-03', 4990, 0],
      ['2026-03-04', 1497, 0],
      ['2026-03-05', 2599, 0],
      ['2026-03-06', 0, 0],
      ['2026-03-08', 3121, 1],
      ['2026-03-09', 0, 0],
    ]);
    const row = byDay.table.rows.find((r) => r.key === '2026-03-08')!;
    expect(Object.fromEntries(Object.entries(row).filter(([k]) => k.startsWith('abandoned_value')))).toEqual({
      abandoned_value_minor_CHF: 3316,
      abandoned_value_minor_EUR: 0,
      abandoned_value_converted_minor: 3121,
      abandoned_value_converted_currency: 'EUR',
      abandoned_value_unconverted_currencies: '',
    });
    const usd = (await abandonmentFunnel(store.warehouse, { ...W, currency: 'USD' }, 'none')).table.rows[0] as Record<string, unknown>;
    expect([usd.abandoned_value_converted_minor, usd.abandoned_value_unconverted_currencies]).toEqual([27770, 'CHF']);
  });

  it('converts the recovery report: abandoned values at the abandonment’s day, recovered ones at the order’s', async () => {
    const usd = (await recoveryReport(store.warehouse, { from: T0, to: AS_OF, as_of: AS_OF, currency: 'USD' })).json;
    expect([usd.steps[0]!.value_by_currency, usd.steps[0]!.value_converted, usd.steps[3]!.value_by_currency, usd.steps[3]!.value_converted]).toEqual([
      [
        { currency: 'CHF', value_minor: 3316, episodes: 1 },
        { currency: 'EUR', value_minor: 26283, episodes: 5 },
      ],
      // 26,283 × 1.125 = 29,568.375 → 29,568.
      {
        currency: 'USD',
        value_minor: 29568,
        rates: [{ currency: 'EUR', rate_date: '2026-03-01', rate: '1.125' }],
        unconverted: [{ currency: 'CHF', value_minor: 3316, days: ['2026-03-09'], reason: 'no_rate' }],
      },
      [{ currency: 'EUR', value_minor: 13498, episodes: 2 }],
      // D's 12,999 on 03-07 × 1.125 = 14,623.875 → 14,624; F's 499 on 03-09 is 8 days after the rate: not converted.
      {
        currency: 'USD',
        value_minor: 14624,
        rates: [{ currency: 'EUR', rate_date: '2026-03-01', rate: '1.125' }],
        unconverted: [{ currency: 'EUR', value_minor: 499, days: ['2026-03-09'], reason: 'no_rate' }],
      },
    ]);
    const eur = await recoveryReport(store.warehouse, { from: T0, to: AS_OF, as_of: AS_OF, currency: 'EUR' });
    // 26,283 + 3,316 × 0.9412 (3,121.0192) → 29,404; recovered all in EUR.
    expect([eur.json.steps[0]!.value_converted?.value_minor, eur.json.steps[3]!.value_converted]).toEqual([
      29404,
      { currency: 'EUR', value_minor: 13498, rates: [], unconverted: [] },
    ]);
    expect(eur.json.by_channel.map((c) => [c.value, c.abandoned_value_converted?.value_minor, c.recovered_value_converted?.value_minor])).toEqual([
      ['app', 15598, 499],
      ['marketplace', 1497, 0],
      ['store', 3121, 0],
      ['web', 4990 + 1599 + 2599, 12999],
    ]);
    const all = eur.table.rows[0] as Record<string, unknown>;
    expect([all.abandoned_value_converted_minor, all.recovered_value_converted_minor, all.recovered_value_converted_currency]).toEqual([29404, 13498, 'EUR']);
    expect(eur.table.columns).toContain('abandoned_value_converted_minor');
  });

  it('converts the audience’s value and each cart’s', async () => {
    const q = {
      as_of: AS_OF,
      abandon_ms: DAY,
      lookback_ms: 30 * DAY,
      stage: 'any' as const,
      min_value_minor: 0,
      consent: 'any' as const,
      limit: 100,
      cursor: null,
    };
    const { json, table } = await abandonedCartAudience(store.warehouse, { ...q, currency: 'EUR' });
    expect(json.carts.map((c) => [c.cart_id, c.value_minor, c.currency, c.value_converted])).toEqual([
      ['C', 4990, 'EUR', { currency: 'EUR', value_minor: 4990, rate_date: null }],
      ['G', 1497, 'EUR', { currency: 'EUR', value_minor: 1497, rate_date: null }],
      ['H', 2599, 'EUR', { currency: 'EUR', value_minor: 2599, rate_date: null }],
      ['E', 3316, 'CHF', { currency: 'EUR', value_minor: 3121, rate_date: '2026-03-09' }],
    ]);
    expect(json.audience.value_converted).toEqual({
      currency: 'EUR',
      value_minor: 4990 + 1497 + 2599 + 3121,
      rates: [{ currency: 'CHF', rate_date: '2026-03-09', rate: '0.9412' }],
      unconverted: [],
    });
    expect(table.rows.map((r) => [r.cart_id, r.value_converted_minor, r.value_converted_currency])).toEqual([
      ['C', 4990, 'EUR'],
      ['G', 1497, 'EUR'],
      ['H', 2599, 'EUR'],
      ['E', 3121, 'EUR'],
    ]);
    // E has no rate into USD: its converted value is null, and the audience names the CHF left out.
    const usd = (await abandonedCartAudience(store.warehouse, { ...q, currency: 'USD' })).json;
    expect(usd.carts.find((c) => c.cart_id === 'E')!.value_converted).toBeNull();
    expect(usd.audience.value_converted?.unconverted).toEqual([{ currency: 'CHF', value_minor: 3316, days: ['2026-03-09'], reason: 'no_rate' }]);
  });

  it('gives the same through the API, and refuses a currency that is not ISO 4217', async () => {
    const eur = await get<GetAnswer<'/v1/funnels/abandonment'>>(`/v1/funnels/abandonment?${QUERY}&currency=EUR`);
    expect([eur.status, eur.body.abandoned.value_converted]).toEqual([200, IN_EUR]);
    const recovery = await get<GetAnswer<'/v1/funnels/recovery'>>(`/v1/funnels/recovery?${QUERY}&currency=USD`);
    expect(recovery.body.steps[0]!.value_converted!.value_minor).toBe(29568);
    const audience = await get<GetAnswer<'/v1/audiences/abandoned-carts'>>(
      `/v1/audiences/abandoned-carts?as_of=${new Date(AS_OF).toISOString()}&consent=any&currency=EUR`,
    );
    expect(audience.body.audience.value_converted!.value_minor).toBe(4990 + 1497 + 2599 + 3121);
    const csv = await (await fetch(`${server.url}/v1/funnels/abandonment?${QUERY}&currency=USD&format=csv`)).text();
    const [header, line] = csv.trim().split('\n');
    const cells = Object.fromEntries(header!.split(',').map((h, i) => [h, line!.split(',')[i]]));
    expect([
      cells.abandoned_value_minor_CHF,
      cells.abandoned_value_minor_EUR,
      cells.abandoned_value_converted_minor,
      cells.abandoned_value_converted_currency,
      cells.abandoned_value_unconverted_currencies,
    ]).toEqual(['3316', String(EUR_ABANDONED), '27770', 'USD', 'CHF']);
    const arrow = tableFromIPC(new Uint8Array(await (await fetch(`${server.url}/v1/funnels/recovery?${QUERY}&currency=EUR&format=arrow`)).arrayBuffer()));
    // The converted total as Int64 beside the per-currency columns; campaign rows hold no abandoned value (null).
    expect([
      String(arrow.schema.fields.find((f) => f.name === 'abandoned_value_converted_minor')?.type),
      arrow.getChild('abandoned_value_converted_minor')?.get(0),
    ]).toEqual(['Int64', 29404n]);
    expect(arrow.getChild('abandoned_value_minor_CHF')?.get(0)).toBe(3316n);
    for (const bad of ['eur', 'XXY', 'EURO']) {
      const res = await get<{ errors: { field: string }[] }>(`/v1/funnels/abandonment?${QUERY}&currency=${bad}`);
      expect([res.status, res.body.errors[0]!.field]).toEqual([400, 'currency']);
    }
  });

  it('picks each amount’s rate by its local day in the answer’s tz', async () => {
    // Given a CHF rate for 03-10 too: E's abandonment, 03-09 10:00 UTC, is 03-10 00:00 in Pacific/Kiritimati (UTC+14).
    await upsertRates(store.warehouse, [{ date: '2026-03-10', base: 'CHF', quote: 'EUR', rate: '0.5' }], Date.now());
    const kiritimati = (await abandonmentFunnel(store.warehouse, { ...W, currency: 'EUR', tz: 'Pacific/Kiritimati' }, 'none')).json.abandoned.value_converted;
    // 3,316 × 0.5 = 1,658 there; in UTC still 03-09's 0.9412.
    expect(kiritimati).toEqual({
      currency: 'EUR',
      value_minor: EUR_ABANDONED + 1658,
      rates: [{ currency: 'CHF', rate_date: '2026-03-10', rate: '0.5' }],
      unconverted: [],
    });
    expect((await abandonmentFunnel(store.warehouse, { ...W, currency: 'EUR' }, 'none')).json.abandoned.value_converted).toEqual(IN_EUR);
    const api = await get<GetAnswer<'/v1/funnels/abandonment'>>(`/v1/funnels/abandonment?${QUERY}&currency=EUR&tz=Pacific/Kiritimati`);
    expect(api.body.abandoned.value_converted!.value_minor).toBe(EUR_ABANDONED + 1658);
  });
});
