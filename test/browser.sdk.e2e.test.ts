import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CartEvent } from '../ingest/browser/carrello.ts';
import { launchChromium, watchedPage } from './support/browser.ts';
import { startCarrello, type CarrelloProcess } from './support/process.ts';
import { waitForProgress } from './support/wait.ts';

const ADMIN = 'adm-0123456789abcdef';
const PUBLIC = 'pub-0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'carrello-browser-'));

/** A local HTTP server on a port of its own: another origin than carrello's. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; origin: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** The shop's page: it loads the SDK from carrello (the sdk origin) and sends to `endpoint`. */
const shopPage = (sdkOrigin: string, endpoint: string) => `<!doctype html><meta charset="utf-8"><title>shop</title>
<script type="module">
  import { createCarrello } from '${sdkOrigin}/sdk/carrello.js';
  window.carrello = createCarrello({ endpoint: '${endpoint}', key: '${PUBLIC}', currency: 'EUR', consent: { marketing: false },
    batchSize: 50, flushMs: 600000, minBackoffMs: 50, onError: (e) => (window.errors ??= []).push(e) });
  window.createCarrello = createCarrello; // for tests of the SDK's own behaviour
  document.title = 'ready';
</script>`;

let carrello: CarrelloProcess;
let shop: { server: Server; origin: string };
let stranger: { server: Server; origin: string };
let proxy: { server: Server; origin: string };
let browser: Browser;
/** POST /v1/events through the proxy, in order: the status the page saw. */
const proxied: number[] = [];
/** Their Content-Type. */
const proxiedTypes: string[] = [];

beforeAll(async () => {
  // The shop and a stranger site are known before carrello starts: their origins are its configuration.
  let page = '';
  shop = await serve((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page));
  stranger = await serve((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page));
  carrello = await startCarrello(['--no-demo', '--store', `duckdb:${join(dir, 's.duckdb')}`], {
    CARRELLO_API_KEYS: `admin:${ADMIN},public:${PUBLIC}`,
    CARRELLO_CORS_ORIGINS: shop.origin,
  });
  // A proxy in front of the collector that loses the first answer: the request is stored, then the page is
  // told 503 (Retry-After: 0), as when a load balancer times out after the store committed.
  let refused = false;
  proxy = await serve((req, res) => {
    const upstream = request(`${carrello.url}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => {
        const isEvents = req.method === 'POST' && req.url!.startsWith('/v1/events');
        if (isEvents) proxiedTypes.push(String(req.headers['content-type']));
        if (isEvents && answer.statusCode === 202 && !refused) {
          refused = true;
          proxied.push(503);
          const cors = answer.headers['access-control-allow-origin'];
          res.writeHead(503, { 'retry-after': '0', 'content-type': 'application/problem+json', ...(cors ? { 'access-control-allow-origin': cors } : {}) });
          res.end(JSON.stringify({ code: 'store_unavailable' }));
          return;
        }
        if (isEvents) proxied.push(answer.statusCode!);
        res.writeHead(answer.statusCode!, answer.headers).end(Buffer.concat(chunks));
      });
    });
    req.pipe(upstream);
  });
  page = shopPage(carrello.url, proxy.origin);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  for (const s of [shop, stranger, proxy]) s?.server.close();
  carrello?.child.kill('SIGTERM');
  await carrello?.exited;
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh browser context on the page of `origin`, once its module script ran. */
async function openPage(origin: string) {
  const context = await browser.newContext();
  const { page, errors } = await watchedPage(context);
  await page.goto(origin);
  await page.waitForFunction(() => document.title === 'ready');
  return { context, page, errors };
}

const admin = (path: string, init: RequestInit = {}) =>
  fetch(`${carrello.url}${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN}`, ...init.headers } });

/** carrello's timeline of the cart once it holds `count` events (waited for while the count moves, not timed). */
async function timeline(cartId: string, count: number) {
  type Timeline = { cart: { consent_marketing: boolean | null }; timeline: { event_id: string; sequence: number; type: string }[] };
  const read = async () => {
    const res = await admin(`/v1/carts/${cartId}/events`);
    if (res.status === 200) return (await res.json()) as Timeline;
    await res.arrayBuffer();
    return null;
  };
  await waitForProgress(`${count} events of cart ${cartId}`, async () => (await read())?.timeline.length ?? 0, count);
  return read();
}

describe('the browser SDK in chromium, from another origin', () => {
  it('sends adds, removals and quantity changes, retries a lost answer, beacons the rest on tab close: every event stored once, in order, with its consent', async () => {
    const { context, page, errors } = await openPage(shop.origin);

    // Given a cart filled, then sent: the first answer is lost (503 after the store took it), the SDK retries.
    const cart = 'browser-cart-1';
    const first = await page.evaluate(async (cartId) => {
      const c = (window as unknown as { carrello: import('../ingest/browser/carrello.ts').Carrello }).carrello;
      const drill = { product_id: 'P0001', name: 'Drill', unit_price_minor: 12999 };
      const saw = { product_id: 'P0002', name: 'Saw', unit_price_minor: 2599 };
      const sent = [c.itemAdded(cartId, drill, 1), c.itemAdded(cartId, saw, 2)];
      await c.flush();
      return sent;
    }, cart);
    expect(proxied).toEqual([503, 202]);

    // When the customer changes their mind, consents, and closes the tab before the SDK's timer sends.
    const rest = await page.evaluate((cartId) => {
      const c = (window as unknown as { carrello: import('../ingest/browser/carrello.ts').Carrello }).carrello;
      const drill = { product_id: 'P0001', name: 'Drill', unit_price_minor: 12999 };
      const saw = { product_id: 'P0002', name: 'Saw', unit_price_minor: 2599 };
      const sent = [c.quantityChanged(cartId, drill, 1, 3), c.itemRemoved(cartId, saw, 2)];
      c.setConsent({ marketing: true });
      sent.push(c.quantityChanged(cartId, drill, 3, 2), c.itemAdded(cartId, { ...saw, product_id: 'P0003' }, 1));
      return sent;
    }, cart);
    expect(await page.evaluate(() => (window as unknown as { carrello: { pending: number } }).carrello.pending)).toBe(4);
    expect(await page.evaluate(() => (window as unknown as { errors?: unknown[] }).errors ?? [])).toEqual([]);
    // The only error the page saw is chromium's report of the lost answer.
    expect(errors).toEqual(['Failed to load resource: the server responded with a status of 503 (Service Unavailable)']);
    await page.close({ runBeforeUnload: true });

    // Then carrello holds all six, each once, in the order of their per-cart sequence.
    const sent: CartEvent[] = [...first, ...rest];
    const stored = await timeline(cart, sent.length);
    expect(stored?.timeline.map((e) => [e.sequence, e.event_id, e.type])).toEqual(sent.map((e, i) => [i, e.event_id, e.type]));
    const consent = await admin('/v1/sql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `SELECT sequence, consent_marketing FROM events WHERE cart_id = '${cart}' ORDER BY sequence` }),
    });
    const rows = ((await consent.json()) as { rows: { sequence: number; consent_marketing: boolean }[] }).rows;
    expect(rows.map((r) => [Number(r.sequence), r.consent_marketing])).toEqual([
      [0, false],
      [1, false],
      [2, false],
      [3, false],
      [4, true],
      [5, true],
    ]);
    // The two events of the retried batch came twice and were stored once.
    const stats = (await (await admin('/v1/stats')).json()) as { ingest: { duplicates: number } };
    expect(stats.ingest.duplicates).toBe(2);
    // The beacon went straight to carrello's collector through the proxy, as text/plain with ?key=.
    expect(proxied).toEqual([503, 202, 202]);
    expect(proxiedTypes).toEqual(Array(3).fill('text/plain;charset=UTF-8'));
    expect(sent.every((e) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(e.occurred_at) && e.schema_version === 1 && e.anonymous_id === null)).toBe(true);
    await context.close();
  });

  it('retries network errors, 5xx and 429 honouring Retry-After, never another 4xx, and gives up after maxAttempts', async () => {
    const { context, page } = await openPage(shop.origin);
    // Each scenario is a list of answers the page's fetch gives, in order ('network' throws as fetch does offline).
    const outcome = await page.evaluate(async () => {
      const { createCarrello } = window as unknown as typeof import('../ingest/browser/carrello.ts');
      const run = async (answers: (number | 'network')[], retryAfter: string | null, maxAttempts = 10) => {
        const calls: { at: number; body: string }[] = [];
        const errors: { code: string; status?: number }[] = [];
        window.fetch = async (_url, init) => {
          calls.push({ at: performance.now(), body: String(init?.body) });
          const status = answers.shift() ?? 202;
          if (status === 'network') throw new TypeError('Failed to fetch');
          const headers: Record<string, string> = retryAfter === null ? {} : { 'retry-after': retryAfter };
          return new Response(status === 202 ? '{"accepted":1,"rejected":[]}' : '{"code":"x","detail":"y"}', { status, headers });
        };
        const c = createCarrello({
          endpoint: 'https://carrello.test',
          key: 'k',
          currency: 'EUR',
          minBackoffMs: 1,
          maxBackoffMs: 5_000,
          maxAttempts,
          onError: (e) => errors.push({ code: e.code, ...(e.status === undefined ? {} : { status: e.status }) }),
        });
        c.itemAdded('retry-cart', { product_id: 'P1', unit_price_minor: 100 });
        await c.flush();
        c.shutdown();
        return {
          calls: calls.length,
          sameBody: new Set(calls.map((x) => x.body)).size === 1,
          waitedMs: calls.length > 1 ? calls[1]!.at - calls[0]!.at : 0,
          errors,
        };
      };
      return {
        transient: await run(['network', 503, 429, 500], '0'),
        refused: await run([400], null),
        unauthorized: await run([403], null),
        gaveUp: await run([503, 503, 503], null, 3),
        honoured: await run([429], '1'),
        cookies: document.cookie,
      };
    });
    expect(outcome.transient).toMatchObject({ calls: 5, sameBody: true, errors: [] });
    expect(outcome.refused).toMatchObject({ calls: 1, errors: [{ code: 'refused', status: 400 }] });
    expect(outcome.unauthorized).toMatchObject({ calls: 1, errors: [{ code: 'refused', status: 403 }] });
    expect(outcome.gaveUp).toMatchObject({ calls: 3, sameBody: true, errors: [{ code: 'gave_up', status: 503 }] });
    // Retry-After: 1 is waited for, though the backoff alone would have been a millisecond.
    expect(outcome.honoured.calls).toBe(2);
    expect(outcome.honoured.waitedMs).toBeGreaterThanOrEqual(990);
    expect(outcome.cookies).toBe('');
    await context.close();
  });

  it('keeps an anonymous id in localStorage only when asked', async () => {
    const { context, page } = await openPage(shop.origin);
    const stored = await page.evaluate(() => {
      const { createCarrello } = window as unknown as typeof import('../ingest/browser/carrello.ts');
      const keys = () => Object.keys(localStorage).sort();
      const before = keys();
      const plain = createCarrello({ endpoint: 'https://carrello.test', key: 'k', currency: 'EUR' }).itemAdded('a', { product_id: 'P', unit_price_minor: 1 });
      const afterPlain = keys();
      const asked = createCarrello({ endpoint: 'https://carrello.test', key: 'k', currency: 'EUR', anonymousId: 'local' });
      const again = createCarrello({ endpoint: 'https://carrello.test', key: 'k', currency: 'EUR', anonymousId: 'local' });
      const a = asked.itemAdded('b', { product_id: 'P', unit_price_minor: 1 });
      const b = again.itemAdded('b', { product_id: 'P', unit_price_minor: 1 });
      return {
        before,
        plain: plain.anonymous_id,
        afterPlain,
        asked: keys(),
        same: a.anonymous_id === b.anonymous_id && a.anonymous_id === localStorage.getItem('carrello:anonymous_id'),
        sequences: [a.sequence, b.sequence],
        cookies: document.cookie,
      };
    });
    expect(stored).toEqual({ before: [], plain: null, afterPlain: [], asked: ['carrello:anonymous_id'], same: true, sequences: [0, 1], cookies: '' });
    await context.close();
  });

  it('refuses a page of an origin not listed: no preflight, and the public key is not taken from it', async () => {
    const { context, page } = await openPage(stranger.origin);
    const cart = 'stranger-cart';
    // A JSON post needs a preflight, which carrello refuses; a text/plain one goes, and the key is refused.
    const outcome = await page.evaluate(
      async ({ url, key, cartId }) => {
        const body = JSON.stringify([{ cart_id: cartId }]);
        const json = await fetch(`${url}/v1/events?key=${key}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } }).then(
          (r) => `answered ${r.status}`,
          () => 'refused',
        );
        const plain = await fetch(`${url}/v1/events?key=${key}`, { method: 'POST', body, mode: 'no-cors' }).then((r) => r.type);
        return { json, plain };
      },
      { url: carrello.url, key: PUBLIC, cartId: cart },
    );
    expect(outcome).toEqual({ json: 'refused', plain: 'opaque' });
    expect((await admin(`/v1/carts/${cart}/events`)).status).toBe(404);
    await context.close();

    const preflight = await fetch(`${carrello.url}/v1/events`, {
      method: 'OPTIONS',
      headers: { origin: stranger.origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect([preflight.status, ((await preflight.json()) as { code: string }).code, preflight.headers.get('access-control-allow-origin')]).toEqual([
      403,
      'cors_origin_not_allowed',
      null,
    ]);
    const listed = await fetch(`${carrello.url}/v1/events`, { method: 'OPTIONS', headers: { origin: shop.origin, 'access-control-request-method': 'POST' } });
    expect([listed.status, listed.headers.get('access-control-allow-origin'), listed.headers.get('access-control-allow-methods')]).toEqual([
      204,
      shop.origin,
      'POST',
    ]);
    // A preflight for any other route is not answered as one.
    const other = await fetch(`${carrello.url}/v1/carts/x`, { method: 'OPTIONS', headers: { origin: shop.origin, 'access-control-request-method': 'GET' } });
    expect([other.status, other.headers.get('access-control-allow-origin')]).toEqual([401, null]);

    const forged = await fetch(`${carrello.url}/v1/events?key=${PUBLIC}`, { method: 'POST', headers: { origin: stranger.origin }, body: '[]' });
    expect([forged.status, ((await forged.json()) as { code: string }).code]).toEqual([403, 'origin_not_allowed']);
  });

  it('reads nothing with the public key, from the listed origin either', async () => {
    for (const path of ['/v1/carts/browser-cart-1/events', '/v1/stats', '/v1/funnels/abandonment']) {
      const res = await fetch(`${carrello.url}${path}?key=${PUBLIC}`, { headers: { origin: shop.origin } });
      expect([path, res.status, ((await res.json()) as { code: string }).code]).toEqual([path, 403, 'forbidden']);
    }
  });

  it('serves the SDK to every origin as a small JavaScript module', async () => {
    const res = await fetch(`${carrello.url}/sdk/carrello.js`, { headers: { origin: stranger.origin } });
    expect([res.status, res.headers.get('content-type'), res.headers.get('access-control-allow-origin')]).toEqual([200, 'text/javascript; charset=utf-8', '*']);
    const code = await res.text();
    expect(code).toContain('createCarrello');
    expect(code.length).toBeLessThan(8_000);
  });
});
