import type { Server } from 'node:http';
import { tableFromIPC } from 'apache-arrow';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../api/app.ts';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import { AS_OF, shopEvents, T0 } from './fixtures/shop.ts';
import { tempDuckDb } from './support/tempStore.ts';

let store: Awaited<ReturnType<typeof tempDuckDb>>;
let server: Server;
let base: string;
const range = `from=${new Date(T0).toISOString()}&to=${new Date(AS_OF).toISOString()}&as_of=${new Date(AS_OF).toISOString()}`;

beforeAll(async () => {
  store = await tempDuckDb();
  const pipeline = new IngestPipeline(store.warehouse);
  await pipeline.ingest(shopEvents().map((e) => ({ raw: Buffer.from(JSON.stringify(e)), source: 'test', sourceRef: null, receivedAtMs: AS_OF })));
  const app = createApp({
    warehouse: store.warehouse,
    pipeline,
    log: pino({ level: 'silent' }),
    collector: { maxBodyBytes: 1 << 20, maxEvents: 1000 },
    stopping: () => false,
  });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await store.cleanup();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers });

describe('read API', () => {
  it('serves the abandonment funnel as JSON, CSV and Arrow with the same numbers', async () => {
    const json = (await (await get(`/v1/funnels/abandonment?${range}&breakdown=channel`)).json()) as { funnel: { carts: number }[] };
    expect(json.funnel.map((s) => s.carts)).toEqual([10, 4, 3]);

    const csv = await get(`/v1/funnels/abandonment?${range}&breakdown=channel&format=csv`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toBe(
      'key,started,checkout_started,ordered,abandoned,abandoned_at_cart,abandoned_at_checkout,open,emptied,recovered,anomalies,conversion_rate,abandonment_rate,abandoned_value_minor_CHF,abandoned_value_minor_EUR',
    );
    // One column per currency, never one cell adding or listing them: store's E is CHF; web's C and H (4,990 + 2,599) EUR.
    expect(lines.slice(1).map((l) => l.split(',').slice(-2).join(','))).toEqual(['0,15598', '0,1497', '3316,0', '0,7589']);
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 4).join(','))).toEqual(['app,2,1,1', 'marketplace,1,0,0', 'store,1,0,0', 'web,6,3,2']);

    const arrow = await get(`/v1/funnels/abandonment?${range}&breakdown=channel`, { accept: 'application/vnd.apache.arrow.stream' });
    expect(arrow.headers.get('content-type')).toBe('application/vnd.apache.arrow.stream');
    const table = tableFromIPC(new Uint8Array(await arrow.arrayBuffer()));
    expect(table.numRows).toBe(4);
    expect(String(table.schema.fields.find((f) => f.name === 'started')!.type)).toBe('Int64');
    expect(table.getChild('key')!.toArray()).toEqual(['app', 'marketplace', 'store', 'web']);
    expect([...table.getChild('started')!.toArray()].map(Number)).toEqual([2, 1, 1, 6]);
  });

  it('serves removals, quantity changes, carts and audiences', async () => {
    const removal = (await (await get(`/v1/funnels/removal?${range}&min_adds=1`)).json()) as { totals: { lines_removed: number } };
    expect(removal.totals.lines_removed).toBe(4);
    const quantity = (await (await get(`/v1/funnels/quantity?${range}`)).json()) as { totals: { increased: { lines: number } } };
    expect(quantity.totals.increased.lines).toBe(1);
    const cart = (await (await get(`/v1/carts/G?as_of=${new Date(AS_OF).toISOString()}`)).json()) as { value_minor: number };
    expect(cart.value_minor).toBe(1497);
    const timeline = await (await get(`/v1/carts/G/events?format=csv`)).text();
    expect(timeline.trim().split('\n')).toHaveLength(5);
    const audience = await (await get(`/v1/audiences/abandoned-carts?as_of=${new Date(AS_OF).toISOString()}&format=csv`)).text();
    expect(
      audience
        .trim()
        .split('\n')
        .map((l) => l.split(',')[0]),
    ).toEqual(['cart_id', 'G', 'E']);
  });

  it.each([
    ['/v1/funnels/abandonment?as_of=last-week', 'as_of'],
    ['/v1/funnels/abandonment?breakdown=colour', 'breakdown'],
    ['/v1/funnels/abandonment?abandon_after=soon', 'abandon_after'],
    ['/v1/funnels/removal?min_adds=0', 'min_adds'],
    ['/v1/funnels/removal?limit=5000', 'limit'],
    ['/v1/funnels/quantity?group=brand', 'group'],
    ['/v1/funnels/abandonment?from=2026-03-05T00:00:00Z&to=2026-03-01T00:00:00Z', 'from'],
    ['/v1/audiences/abandoned-carts?since_cursor=garbage', 'since_cursor'],
    ['/v1/audiences/abandoned-carts?stage=paid', 'stage'],
    ['/v1/carts/A?colour=red', 'colour'],
  ])('answers 400 problem+json naming the field for %s', async (path, field) => {
    const res = await get(path);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await res.json()) as { errors: { field: string }[]; detail: string };
    expect(body.errors[0]!.field).toBe(field);
    expect(body.detail).toContain(field);
  });

  const cursor = (json: string) => Buffer.from(json).toString('base64url');
  it.each([
    ['a duration past 2^53 ms', '/v1/audiences/abandoned-carts?abandon_after=99999999999999999999w', 'invalid_request', 'query', 'abandon_after'],
    ['a duration over 400 days', '/v1/funnels/abandonment?abandon_after=401d', 'invalid_request', 'query', 'abandon_after'],
    ['a duration of 400 digits', `/v1/carts/G?abandon_after=${'9'.repeat(400)}`, 'invalid_request', 'query', 'abandon_after'],
    ['a duration given twice', '/v1/carts/G?abandon_after=1h&abandon_after=2h', 'invalid_request', 'query', 'abandon_after'],
    ['an instant given twice', '/v1/funnels/abandonment?from=2026-03-01T00:00:00Z&from=2026-03-02T00:00:00Z', 'invalid_request', 'query', 'from'],
    ['a limit of 1e400', '/v1/audiences/abandoned-carts?limit=1e400', 'invalid_request', 'query', 'limit'],
    ['a minimum value past 2^53', '/v1/audiences/abandoned-carts?min_value_minor=99999999999999999999', 'invalid_request', 'query', 'min_value_minor'],
    ['a cursor at 1e308', `/v1/audiences/abandoned-carts?since_cursor=${cursor('{"a":1e308,"c":null}')}`, 'invalid_cursor', 'query', 'since_cursor'],
    ['a cursor past 2^53', `/v1/audiences/abandoned-carts?since_cursor=${cursor('{"a":9007199254740993,"c":"G"}')}`, 'invalid_cursor', 'query', 'since_cursor'],
    [
      'a cursor with a cart id of 300 characters',
      `/v1/audiences/abandoned-carts?since_cursor=${cursor(JSON.stringify({ a: 1, c: 'x'.repeat(300) }))}`,
      'invalid_cursor',
      'query',
      'since_cursor',
    ],
    ['a cursor that is JSON null', `/v1/audiences/abandoned-carts?since_cursor=${cursor('null')}`, 'invalid_cursor', 'query', 'since_cursor'],
    ['a cart id that is a lone %', '/v1/carts/%', 'invalid_request', 'path', 'cart_id'],
    ['a cart id of bytes that are not UTF-8', '/v1/carts/%ff%fe', 'invalid_request', 'path', 'cart_id'],
    ['the timeline of a cart id that is a lone %', '/v1/carts/%25%/events', 'invalid_request', 'path', 'cart_id'],
  ])('answers 400 with a stable code, not 500, for %s', async (_name, path, code, where, field) => {
    const res = await get(path);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await res.json()) as { code: string; errors: { in: string; field: string }[]; detail: string };
    expect({ code: body.code, in: body.errors[0]!.in, field: body.errors[0]!.field }).toEqual({ code, in: where, field });
    expect(body.detail).toContain(`${where} ${field}: `);
  });

  it.each([
    ['a content encoding the server does not read', { 'content-type': 'application/json', 'content-encoding': 'compress' }, 415, 'unsupported_encoding'],
    ['a charset other than UTF-8 on a JSON body', { 'content-type': 'application/json; charset=latin1' }, 415, 'unsupported_charset'],
  ])('answers a body sent with %s with a 4xx and a stable code, not 500', async (_name, headers, status, code) => {
    const res = await fetch(`${base}/v1/funnels`, { method: 'POST', headers, body: '{}' });
    expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([status, code]);
    const events = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'compress' },
      body: '[]',
    });
    expect([events.status, ((await events.json()) as { code: string }).code]).toEqual([415, 'unsupported_encoding']);
  });

  it('answers 404 for a cart with no events', async () => {
    const res = await get('/v1/carts/no-such-cart');
    expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([404, 'cart_not_found']);
  });

  it('publishes an OpenAPI document generated from the request schemas', async () => {
    const doc = (await (await get('/openapi.json')).json()) as { openapi: string; paths: Record<string, { get?: { parameters: { name: string }[] } }> };
    expect(doc.openapi).toBe('3.1.0');
    for (const p of [
      '/v1/funnels/abandonment',
      '/v1/funnels/removal',
      '/v1/funnels/quantity',
      '/v1/carts/{cart_id}',
      '/v1/carts/{cart_id}/events',
      '/v1/audiences/abandoned-carts',
      '/v1/funnels/recovery',
      '/v1/lifecycle/endpoints/{name}/replay',
    ]) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    expect(doc.paths['/v1/funnels/removal']!.get!.parameters.map((p) => p.name)).toEqual([
      'from',
      'to',
      'as_of',
      'tz',
      'abandon_after',
      'group',
      'min_adds',
      'limit',
      'breakdown',
      'item',
      'format',
    ]);
    expect(doc.paths['/v1/funnels/recovery']!.get!.parameters.map((p) => p.name)).toEqual(['from', 'to', 'as_of', 'tz', 'currency', 'format']);
  });
});
