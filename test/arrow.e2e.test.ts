import { tableFromIPC, type Table } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppOn } from './support/app.ts';
import { ingestTexts, itemAdded } from './support/seed.ts';
import { tempClickHouse } from './support/tempClickHouse.ts';
import { tempDuckDb } from './support/tempStore.ts';

const AS_OF = '2026-03-05T00:00:00.000Z';
const RANGE = `from=2026-03-01T00:00:00.000Z&to=2026-03-04T00:00:00.000Z&as_of=${AS_OF}`;
const ARROW = { accept: 'application/vnd.apache.arrow.stream' };
const ms = (iso: string) => Date.parse(iso);

const ENGINES = [
  ['DuckDB', tempDuckDb],
  ['ClickHouse (chdb)', () => tempClickHouse('arrow_typed')],
] as const;

/** Column name → Arrow type, as a reader of the stream sees them. */
const types = (t: Table) => Object.fromEntries(t.schema.fields.map((f) => [f.name, String(f.type)]));
/** Rows as plain values: Int64 as bigint, lists as arrays, timestamps and days as epoch milliseconds. */
const rows = (t: Table) =>
  t
    .toArray()
    .map((r) =>
      Object.fromEntries(
        Object.entries(r.toJSON()).map(([k, v]) => [k, v && typeof v === 'object' && 'toArray' in v ? [...(v as unknown as Iterable<unknown>)] : v]),
      ),
    );

describe.each(ENGINES)('Arrow answers on %s are typed by their declared columns', (_engine, open) => {
  let app: Awaited<ReturnType<typeof startAppOn>>;
  beforeAll(async () => {
    app = await startAppOn(await open());
    // Cart A: a named hose (2 × 12.50) and an unnamed P2, abandoned at the cart. Cart B: one line added and removed.
    await ingestTexts(app.warehouse, [
      itemAdded('00000000-0000-4000-8000-00000000e001', '2026-03-02T10:00:00.000Z', {
        cart_id: 'A',
        item: { product_id: 'P1', name: 'Hose', unit_price_minor: 1250 },
        quantity: 2,
      }),
      itemAdded('00000000-0000-4000-8000-00000000e002', '2026-03-02T10:05:00.000Z', {
        cart_id: 'A',
        item: { product_id: 'P2', unit_price_minor: 300 },
        quantity: 1,
      }),
      itemAdded('00000000-0000-4000-8000-00000000e003', '2026-03-03T09:00:00.000Z', {
        cart_id: 'B',
        item: { product_id: 'P1', name: 'Hose', unit_price_minor: 1250 },
        quantity: 1,
      }),
      JSON.stringify({
        event_id: '00000000-0000-4000-8000-00000000e004',
        type: 'cart.item_removed',
        schema_version: 1,
        occurred_at: '2026-03-03T09:01:00.000Z',
        cart_id: 'B',
        customer_id: null,
        anonymous_id: 'anon-b',
        session_id: null,
        currency: 'EUR',
        channel: 'web',
        item: { product_id: 'P1', name: 'Hose', unit_price_minor: 1250 },
        quantity: 1,
      }),
    ]);
  });
  afterAll(() => app?.stop());

  const arrow = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${app.url}${path}`, { ...init, headers: { ...ARROW, ...init.headers } });
    expect([res.status, res.headers.get('content-type')]).toEqual([200, ARROW.accept]);
    return tableFromIPC(new Uint8Array(await res.arrayBuffer()));
  };

  it('the audience: instants as Timestamp(ms, UTC), the lines as Lists, counts and money as Int64', async () => {
    const t = await arrow(`/v1/audiences/abandoned-carts?as_of=${AS_OF}&consent=any`);
    expect(types(t)).toEqual({
      cart_id: 'Utf8',
      customer_id: 'Utf8',
      anonymous_id: 'Utf8',
      stage: 'Utf8',
      value_minor: 'Int64',
      currency: 'Utf8',
      items: 'Int64',
      units: 'Int64',
      channel: 'Utf8',
      campaign: 'Utf8',
      consent_marketing: 'Bool',
      started_at: 'Timestamp<MILLISECOND, UTC>',
      last_activity_at: 'Timestamp<MILLISECOND, UTC>',
      checkout_started_at: 'Timestamp<MILLISECOND, UTC>',
      abandoned_at: 'Timestamp<MILLISECOND, UTC>',
      lines: 'List<Utf8>',
      product_ids: 'List<Utf8>',
      product_names: 'List<Utf8>',
      quantities: 'List<Int64>',
      line_values_minor: 'List<Int64>',
    });
    expect(rows(t)).toEqual([
      {
        cart_id: 'A',
        customer_id: null,
        anonymous_id: 'anon-b',
        stage: 'cart',
        value_minor: 2800n,
        currency: 'EUR',
        items: 2n,
        units: 3n,
        channel: 'web',
        campaign: null,
        consent_marketing: null,
        started_at: ms('2026-03-02T10:00:00.000Z'),
        last_activity_at: ms('2026-03-02T10:05:00.000Z'),
        checkout_started_at: null,
        abandoned_at: ms('2026-03-03T10:05:00.000Z'),
        lines: ['Hose × 2 = 25.00 EUR', 'P2 × 1 = 3.00 EUR'],
        product_ids: ['P1', 'P2'],
        product_names: ['Hose', null],
        quantities: [2n, 1n],
        line_values_minor: [2500n, 300n],
      },
    ]);
  });

  it('the audience as CSV keeps each list in one cell, items separated by "; "', async () => {
    const csv = await (await fetch(`${app.url}/v1/audiences/abandoned-carts?as_of=${AS_OF}&consent=any&format=csv`)).text();
    expect(csv.trim().split('\n')[1]!.split(',').slice(-5)).toEqual(['Hose × 2 = 25.00 EUR; P2 × 1 = 3.00 EUR', 'P1; P2', 'Hose; ', '2; 1', '2500; 300']);
  });

  it('a custom funnel: counts Int64, rates and times Float64 even when every value is null', async () => {
    const body = JSON.stringify({
      steps: [{ type: 'cart.item_added' }, { type: 'cart.checkout_started' }],
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-03-04T00:00:00.000Z',
      as_of: AS_OF,
    });
    const t = await arrow('/v1/funnels', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(types(t)).toEqual({
      index: 'Int64',
      name: 'Utf8',
      type: 'Utf8',
      product_id: 'Utf8',
      category: 'Utf8',
      count: 'Int64',
      conversion_from_previous: 'Float64',
      conversion_from_first: 'Float64',
      median_seconds_from_previous: 'Float64',
      average_seconds_from_previous: 'Float64',
    });
    expect(rows(t).map((r) => [r.index, r.count, r.conversion_from_previous, r.median_seconds_from_previous])).toEqual([
      [0n, 2n, null, null],
      [1n, 0n, 0, null],
    ]);
  });

  it('removals by day: the day as Date32, counts Int64', async () => {
    const t = await arrow(`/v1/funnels/removal?${RANGE}&breakdown=day`);
    expect([types(t).day, types(t).lines_added, types(t).removal_rate, types(t).median_seconds_to_removal]).toEqual([
      'Date32<DAY>',
      'Int64',
      'Float64',
      'Float64',
    ]);
    expect(rows(t).map((r) => [r.day, r.lines_added, r.lines_removed, r.median_seconds_to_removal])).toEqual([
      [ms('2026-03-02T00:00:00.000Z'), 2n, 0n, null],
      [ms('2026-03-03T00:00:00.000Z'), 1n, 1n, 60],
    ]);
  });

  it('the abandonment funnel: counts Int64, amounts in a column per currency Int64', async () => {
    const t = await arrow(`/v1/funnels/abandonment?${RANGE}`);
    expect([types(t).started, types(t).conversion_rate, types(t).abandoned_value_minor_EUR]).toEqual(['Int64', 'Float64', 'Int64']);
    expect(rows(t).map((r) => [r.key, r.started, r.abandoned, r.conversion_rate, r.abandoned_value_minor_EUR])).toEqual([['all', 2n, 1n, 0, 2800n]]);
  });
});
