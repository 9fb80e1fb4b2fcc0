import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PRODUCTS } from '../ingest/products.ts';
import { cart } from './support/cartEvents.ts';
import { runCarrello, startCarrello, type CarrelloProcess } from './support/process.ts';
import { scratch, startWithEvents, stopCarrello } from './support/scratch.ts';

const { dir, store, file, remove } = scratch('products');
const AS_OF = '2026-04-10T00:00:00.000Z';
const products = (...args: string[]) => runCarrello(['products', ...args, '--store', store]);

let server: CarrelloProcess;
const put = (body: string, type = 'application/json') => fetch(`${server.url}/v1/products`, { method: 'PUT', headers: { 'content-type': type }, body });
const problem = async (res: Response) => [res.status, ((await res.json()) as { code: string; detail: string }).code];
const detail = async (res: Response) => ((await res.json()) as { detail: string }).detail;

beforeAll(async () => {
  // A cart abandoned with two products, whose events name P1 "hose" and P2 nothing.
  server = await startWithEvents(
    store,
    cart('A', { customer: 'u1' }).add('2026-04-01T10:00:00.000Z', { product: 'P1', name: 'hose' }).add('2026-04-01T10:01:00.000Z', { product: 'P2' }).events,
  );
}, 60_000);
afterAll(async () => {
  await stopCarrello(server);
  remove();
});

describe('PUT /v1/products', () => {
  it.each([
    ['a name missing', [{ id: 'P1' }], 'body 0.name:'],
    ['an id too long', [{ id: 'x'.repeat(129), name: 'n' }], 'body 0.id:'],
    ['a price without its currency', [{ id: 'P1', name: 'n', price_minor: 100 }], 'body 0.currency: price_minor and currency come together'],
    ['a price as a float', [{ id: 'P1', name: 'n', price_minor: 1.5, currency: 'EUR' }], 'body 0.price_minor:'],
    ['an unknown currency', [{ id: 'P1', name: 'n', price_minor: 1, currency: 'XXY' }], 'body 0.currency: unknown ISO 4217 currency code'],
    [
      'a url that is not http(s)',
      [
        { id: 'P1', name: 'n' },
        { id: 'P2', name: 'n', url: 'javascript:alert(1)' },
      ],
      'body 1.url: expected an http(s) URL',
    ],
    ['a field it does not know', [{ id: 'P1', name: 'n', colour: 'red' }], 'body 0.colour: unknown field(s): colour'],
    ['an empty array', [], 'body (body): Too small'],
    ['an object, not an array', { id: 'P1', name: 'n' }, 'body (body): Invalid input: expected array'],
  ])('refuses %s with 400 naming the row and field, storing nothing', async (_case, body, start) => {
    const res = await put(JSON.stringify(body));
    expect(res.status).toBe(400);
    expect(await detail(res)).toMatch(new RegExp(`^${start.replace(/[()[\]^$.*+?]/g, '\\$&')}`));
  });

  it('refuses more than the bounds: too many products (400), too many bytes (413), another media type (415), a broken NDJSON line (400)', async () => {
    const many = Array.from({ length: MAX_PRODUCTS + 1 }, (_, i) => ({ id: `P${i}`, name: 'n' }));
    const tooMany = await put(JSON.stringify(many));
    expect([tooMany.status, await detail(tooMany)]).toEqual([400, `body (body): at most ${MAX_PRODUCTS} products per request`]);
    expect(await problem(await put(JSON.stringify([{ id: 'P1', name: 'n'.repeat(6 * 1024 * 1024) }])))).toEqual([413, 'body_too_large']);
    expect(await problem(await put('id,name\nP1,n\n', 'text/csv'))).toEqual([415, 'unsupported_media_type']);
    const broken = await put('{"id":"P1","name":"n"}\n{"id":"P2",\n', 'application/x-ndjson');
    const why = (await broken.json()) as { code: string; detail: string; line: number };
    expect([broken.status, why.code, why.line, why.detail]).toEqual([400, 'invalid_json', 2, expect.stringMatching(/^body line 2 is not JSON/)]);
  });

  it('upserts a JSON array or NDJSON and answers the counts; answers then use the names', async () => {
    const ndjson = await put(
      '{"id":"P2","name":"Watering can","category":"garden"}\n\n{"id":"P2","name":"Watering can, 10 l","category":"garden"}\n',
      'application/x-ndjson',
    );
    expect([ndjson.status, await ndjson.json()]).toEqual([200, { received: 2, products: 1 }]);
    const cartView = (await (await fetch(`${server.url}/v1/carts/A?as_of=${AS_OF}`)).json()) as {
      lines: { product_id: string; product_name: string | null; category: string | null }[];
    };
    expect(cartView.lines.map((l) => [l.product_id, l.product_name, l.category])).toEqual([
      ['P1', 'hose', null],
      ['P2', 'Watering can, 10 l', 'garden'],
    ]);
  });
});

describe('carrello products load FILE.csv', () => {
  it('refuses the file while carrello start holds the DuckDB store, saying where to send it', async () => {
    const locked = await products('load', file('locked.csv', 'id,name\nP1,Hose\n'));
    expect([locked.code, locked.stderr]).toEqual([
      1,
      expect.stringContaining('in use by another process; while carrello start runs, send the products to it: PUT /v1/products'),
    ]);
  });

  it('loads a stopped store, refuses bad files naming the row and field (nothing loaded), and the audience CSV then reads by name', async () => {
    await stopCarrello(server);
    // Usage errors exit 2.
    expect((await products()).code).toBe(2);
    expect((await products('load')).code).toBe(2);
    expect((await products('unload', 'x.csv')).code).toBe(2);
    // Files that are not a catalogue exit 1, naming what is wrong; nothing of them is stored.
    const bad = [
      ['missing.csv', null, `no file at ${join(dir, 'missing.csv')}`],
      ['columns.csv', 'id,name,colour\nP1,Hose,red\n', 'unknown column(s) colour'],
      [
        'row.csv',
        'id,name,url\nP1,Hose,https://shop.test/p1\nP3,Rake,ftp://shop.test/p3\n',
        'row 2 (after the header), url: expected an http(s) URL; nothing was loaded',
      ],
      ['price.csv', 'id,name,price_minor,currency\nP1,Hose,12.50,EUR\n', 'row 1 (after the header), price_minor:'],
      ['quote.csv', 'id,name\nP1,"Hose\n', 'cannot read'],
      ['empty.csv', 'id,name\n', 'holds no product rows'],
    ] as const;
    for (const [name, text, message] of bad) {
      const path = text === null ? join(dir, name) : file(name, text);
      const run = await products('load', path);
      expect([name, run.code, run.stderr]).toEqual([name, 1, expect.stringContaining(message)]);
    }
    // A good file: quoted commas and quotes, empty cells absent, a price with its currency.
    const good = file('catalogue.csv', 'id,name,category,brand,price_minor,currency\nP1,"Garden hose, 25 m",garden,Acme,2999,EUR\nP3,"Rake ""pro""",,,,\n');
    const loaded = await products('load', good);
    expect([loaded.code, JSON.parse(loaded.stdout)]).toEqual([0, { received: 2, products: 2 }]);
    expect((await products('load', good)).code).toBe(0);

    server = await startCarrello(['--no-demo', '--store', store]);
    const res = await fetch(`${server.url}/v1/audiences/abandoned-carts?as_of=${AS_OF}&lookback_days=30&consent=any&format=csv`);
    const text = await res.text();
    expect(res.status).toBe(200);
    const [header, row, end] = text.split('\n');
    expect(end).toBe('');
    expect(header).toBe(
      'cart_id,customer_id,anonymous_id,stage,value_minor,currency,items,units,channel,campaign,consent_marketing,started_at,last_activity_at,checkout_started_at,abandoned_at,lines,product_ids,product_names,quantities,line_values_minor',
    );
    // The names of the catalogue (P1 by the file, P2 by the NDJSON before), quantities and line values.
    expect(row).toBe(
      'A,u1,,cart,2000,EUR,2,2,web,,,2026-04-01T10:00:00.000Z,2026-04-01T10:01:00.000Z,,2026-04-02T10:01:00.000Z,' +
        '"Garden hose, 25 m × 1 = 10.00 EUR; Watering can, 10 l × 1 = 10.00 EUR",P1; P2,"Garden hose, 25 m; Watering can, 10 l",1; 1,1000; 1000',
    );
  }, 120_000);
});
