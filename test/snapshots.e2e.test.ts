/**
 * Cart snapshots and Shopify's webhooks through a running carrello (API keys on), on DuckDB and on
 * ClickHouse (chdb, or a database of its own on the server CLICKHOUSE_URL names): the roles, the refusals,
 * the signature, a late snapshot, and the carts they give, read back through the API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AS_OF } from './fixtures/shop.ts';
import { CART_TOKEN, CART_UPDATES, CHECKOUT, MUG, ORDER, SHOPIFY_SECRET, shopifyBody, shopifyHeaders } from './fixtures/shopify.ts';
import { shopSnapshots } from './fixtures/snapshots.ts';
import { startCarrello, type CarrelloProcess } from './support/process.ts';
import { clickHouseStoreArg } from './support/tempClickHouse.ts';
import type { GetAnswer } from '../api/http/answers.ts';

const KEYS = { ingest: 'ing-0123456789abcdef', marketing: 'mkt-0123456789abcdef' };
const dir = mkdtempSync(join(tmpdir(), 'carrello-snapshots-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each([
  ['DuckDB', () => `duckdb:${join(dir, 's.duckdb')}`],
  ['ClickHouse', () => clickHouseStoreArg(dir, 'snapshots')],
])('snapshots through carrello on %s', (_engine, store) => {
  let server: CarrelloProcess;

  beforeAll(async () => {
    server = await startCarrello(
      ['--no-demo', '--store', store()],
      {
        CARRELLO_API_KEYS: `ingest:${KEYS.ingest},marketing:${KEYS.marketing}`,
        CARRELLO_SHOPIFY_SECRET: SHOPIFY_SECRET,
        CARRELLO_COLLECTOR_MAX_EVENTS: '20',
      },
      { startTimeoutMs: 60_000 },
    );
  }, 90_000);
  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
  });

  const post = (path: string, body: string, headers: Record<string, string>) => fetch(`${server.url}${path}`, { method: 'POST', headers, body });
  const snapshots = (body: string, key = KEYS.ingest, type = 'application/x-ndjson') =>
    post('/v1/cart-snapshots', body, { authorization: `Bearer ${key}`, 'content-type': type });
  const read = async <T>(path: string) =>
    (await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${KEYS.marketing}` } })).json() as Promise<T>;
  const stored = async () => (await read<GetAnswer<'/v1/stats'>>('/v1/stats')).events_stored as number;

  describe('POST /v1/cart-snapshots', () => {
    it('takes NDJSON snapshots with an ingest key and answers what it derived; the cart reads as the shop left it', async () => {
      const res = await snapshots(
        shopSnapshots()
          .B.map((s) => JSON.stringify(s))
          .join('\n'),
      );
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ accepted: 4, duplicates: 0, events_derived: 4, events_retracted: 0 });
      const story = await read<GetAnswer<'/v1/carts/B/events'>>(`/v1/carts/B/events?as_of=${new Date(AS_OF).toISOString()}`);
      expect(story.timeline.map((e) => `${e.type} ${e.product_id}`)).toEqual([
        'cart.item_added P3',
        'cart.item_removed P3',
        'cart.item_added P1',
        'cart.item_added P3',
      ]);
      expect(story.cart).toMatchObject({ status: 'abandoned', items: 2, units: 2, value_minor: 12999 + 2599, customer_id: 'cust-2', channel: 'app' });
    });

    it('sent again, as a JSON array, changes nothing', async () => {
      const before = await stored();
      const res = await snapshots(JSON.stringify(shopSnapshots().B), KEYS.ingest, 'application/json');
      expect(await res.json()).toEqual({ accepted: 0, duplicates: 4, events_derived: 0, events_retracted: 0 });
      expect(await stored()).toBe(before);
    });

    it('refuses a request holding an invalid snapshot whole, naming its index and field', async () => {
      const before = await stored();
      const [good, bad] = shopSnapshots().A;
      const res = await snapshots(
        [JSON.stringify(good), JSON.stringify({ ...bad, lines: [{ product_id: 'P1', quantity: 1, unit_price_minor: '129.99' }] })].join('\n'),
      );
      expect(res.status).toBe(400);
      const problem = await res.json();
      expect(problem).toMatchObject({ code: 'invalid_snapshot', errors: [{ index: 1, field: 'lines.0.unit_price_minor' }] });
      expect(await stored()).toBe(before);
    });

    it('takes a late snapshot: the span is derived again and the cart ends as in-order arrival', async () => {
      const [a1, a2, a3] = shopSnapshots().A;
      expect(await (await snapshots([a1, a3].map((x) => JSON.stringify(x)).join('\n'))).json()).toMatchObject({ events_derived: 2 });
      expect(await (await snapshots(JSON.stringify(a2), KEYS.ingest, 'application/json')).json()).toEqual({
        accepted: 1,
        duplicates: 0,
        events_derived: 2,
        events_retracted: 1,
      });
      const story = await read<GetAnswer<'/v1/carts/A/events'>>(`/v1/carts/A/events?as_of=${new Date(AS_OF).toISOString()}`);
      expect(story.timeline.map((e) => `${e.type} ${e.product_id} ${e.quantity ?? e.to_quantity}`)).toEqual([
        'cart.item_added P1 1',
        'cart.item_added P2 4',
        'cart.item_quantity_changed P2 2',
      ]);
    });

    it('is bounded like the collector: too many snapshots is 413, another content type 415, nothing stored', async () => {
      const before = await stored();
      const many = Array.from({ length: 21 }, (_, i) => JSON.stringify({ ...shopSnapshots().C[0], snapshot_id: `many-${i}` })).join('\n');
      const tooMany = await snapshots(many);
      expect(tooMany.status).toBe(413);
      expect(await tooMany.json()).toMatchObject({ code: 'too_many_snapshots', limit: 20, limit_name: 'collector_max_events' });
      expect((await snapshots(JSON.stringify(shopSnapshots().C[0]), KEYS.ingest, 'text/plain')).status).toBe(415);
      expect(await stored()).toBe(before);
    });

    it('is for the ingest role (and admin): marketing may not send', async () => {
      const res = await snapshots(JSON.stringify(shopSnapshots().C[0]), KEYS.marketing, 'application/json');
      expect(res.status).toBe(403);
    });
  });

  describe('POST /v1/shopify/webhooks', () => {
    const deliver = (topic: string, payload: object, id: string, tamper?: (body: string) => string) => {
      const body = shopifyBody(payload);
      // Signed by the shop (no API key: Shopify sends none), then perhaps changed on the way.
      return post('/v1/shopify/webhooks', tamper ? tamper(body) : body, shopifyHeaders(topic, body, id));
    };

    it('refuses a body that does not match its signature, or no signature, and stores nothing', async () => {
      const before = await stored();
      const tampered = await deliver('carts/update', CART_UPDATES[0]!, 'w1', (b) => b.replace('"quantity":1', '"quantity":2'));
      expect(tampered.status).toBe(401);
      expect(await tampered.json()).toMatchObject({ code: 'invalid_signature' });
      const body = shopifyBody(CART_UPDATES[0]!);
      const unsigned = await post('/v1/shopify/webhooks', body, { 'content-type': 'application/json', 'x-shopify-topic': 'carts/update' });
      expect(unsigned.status).toBe(401);
      expect(await stored()).toBe(before);
    });

    it("turns the recorded webhooks into the cart's history, a redelivery changing nothing", async () => {
      for (const [i, p] of CART_UPDATES.entries()) expect((await deliver('carts/update', p, `w${i + 1}`)).status).toBe(202);
      expect((await deliver('checkouts/create', CHECKOUT, 'w5')).status).toBe(202);
      expect(await (await deliver('orders/create', ORDER, 'w6')).json()).toEqual({ accepted: 1, duplicates: 0, events_derived: 1, events_retracted: 0 });
      // Shopify retries a delivery it thinks failed with the same webhook id.
      expect(await (await deliver('orders/create', ORDER, 'w6')).json()).toEqual({ accepted: 0, duplicates: 1, events_derived: 0, events_retracted: 0 });
      const story = await read<GetAnswer<`/v1/carts/${string}/events`>>(`/v1/carts/${CART_TOKEN}/events`);
      expect(story.timeline.map((e: { type: string; product_id: string | null; to_quantity: number | null }) => [e.type, e.product_id, e.to_quantity])).toEqual(
        [
          ['cart.item_added', '704912205188288575', null],
          ['cart.item_added', MUG, null],
          ['cart.item_quantity_changed', MUG, 3],
          ['cart.item_removed', '704912205188288575', null],
          ['cart.checkout_started', null, null],
          ['order.placed', null, null],
        ],
      );
      expect(story.cart).toMatchObject({ status: 'converted', currency: 'EUR', customer_id: '6073849283', consent_marketing: true, value_minor: 2550 });
    });

    it('acknowledges a topic it does not map, storing nothing', async () => {
      const res = await deliver('products/update', { id: 1 }, 'w9');
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ignored: true, topic: 'products/update' });
    });
  });
});
