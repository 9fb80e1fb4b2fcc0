import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import type { NamedWriter, Warehouse } from '../sql/warehouse.ts';
import { AS_OF, HOUR, shopEvents } from '../test/fixtures/shop.ts';
import { tempClickHouse } from '../test/support/tempClickHouse.ts';
import { tempDuckDb } from '../test/support/tempStore.ts';
import { messagesOf } from '../test/support/traffic.ts';
import { deadLetters, deliver, type DeliverySettings, type Endpoint } from './deliver.ts';
import { DEFAULT_PAGE_CARTS } from './detect.ts';
import { AnnouncementLog } from './log.ts';
import { newSecret, verifyDelivery } from './signature.ts';

/** Short waits (a test may shorten the backoff): what is tested is the order of what happens, not timing. */
const FAST: DeliverySettings = { timeoutMs: 10_000, maxAttempts: 8, minBackoffMs: 1, maxBackoffMs: 20 };

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
}

/** A real HTTP receiver: answers each request with what `answer` says for it (the n-th on its path). */
async function receiver(answer: (path: string, n: number, body: string) => number) {
  const got: Received[] = [];
  const counts = new Map<string, number>();
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const path = req.url ?? '/';
      const n = (counts.get(path) ?? 0) + 1;
      counts.set(path, n);
      const status = answer(path, n, body);
      got.push({ path, headers: req.headers as Record<string, string>, body, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return { url: (path: string) => `http://127.0.0.1:${port}${path}`, got, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const engines: [string, () => Promise<{ warehouse: Warehouse & NamedWriter; cleanup: () => Promise<void> }>][] = [
  ['DuckDB', tempDuckDb],
  ['ClickHouse', () => tempClickHouse('lifecycledeliver')],
];

describe.each(engines)('webhook delivery on %s', (_engine, open) => {
  let store: { warehouse: Warehouse & NamedWriter; cleanup: () => Promise<void> };
  let rx: Awaited<ReturnType<typeof receiver>>;
  let ids: string[];
  const secret = newSecret();
  const endpoint = (name: string, over: Partial<Endpoint> = {}): Endpoint => ({ name, url: rx.url(`/${name}`), secrets: [secret], ...over });
  const acknowledged = (path: string) => rx.got.filter((g) => g.path === path && g.status < 300).map((g) => (JSON.parse(g.body) as { id: string }).id);

  beforeAll(async () => {
    store = await open();
    const pipeline = new IngestPipeline(store.warehouse);
    await pipeline.ingest(messagesOf(shopEvents(), AS_OF));
    await pipeline.close();
    const log = new AnnouncementLog(store.warehouse);
    await log.detect({ abandonAfterMs: 24 * HOUR, latenessMs: 0, receivedMarginMs: 0, pageCarts: DEFAULT_PAGE_CARTS }, AS_OF);
    ids = (await log.after(0, 100)).map((l) => l.announcement.id);
    expect(ids).toHaveLength(8);
    rx = await receiver((path, n, body) => {
      if (path === '/flaky') return n <= 3 ? 503 : 200;
      if (path === '/outage') return n <= 20 ? 502 : 204;
      if (path === '/picky') return body.includes('"cart_id":"C"') ? 400 : 200;
      return 200;
    });
  }, 120_000);
  afterAll(async () => {
    await rx?.close();
    await store?.cleanup();
  });

  it('delivers each announcement once, in the order of the log, signed, through a short outage', async () => {
    const run = await deliver(store.warehouse, endpoint('flaky'), FAST);
    expect(run).toEqual({ delivered: 8, deadLettered: 0, skipped: 0 });
    expect(rx.got.filter((g) => g.path === '/flaky')).toHaveLength(11);
    expect(acknowledged('/flaky')).toEqual(ids);
    for (const g of rx.got.filter((x) => x.path === '/flaky')) {
      expect(g.headers['webhook-id']).toBe((JSON.parse(g.body) as { id: string }).id);
      expect(verifyDelivery(secret, g.headers, g.body, Number(g.headers['webhook-timestamp']))).toEqual({ ok: true });
    }
    // A second run (a restart) sends nothing the endpoint acknowledged.
    expect(await deliver(store.warehouse, endpoint('flaky'), FAST)).toEqual({ delivered: 0, deadLettered: 0, skipped: 0 });
    expect(rx.got.filter((g) => g.path === '/flaky')).toHaveLength(11);
  });

  it('gives a receiver that was down longer than several retries everything, in order, when it comes back', async () => {
    const run = await deliver(store.warehouse, endpoint('outage', {}), { ...FAST, maxAttempts: 25 });
    expect(run).toEqual({ delivered: 8, deadLettered: 0, skipped: 0 });
    expect(rx.got.filter((g) => g.path === '/outage' && g.status === 502)).toHaveLength(20);
    expect(acknowledged('/outage')).toEqual(ids);
  });

  it('dead-letters what the receiver refuses every time, with the reason, and goes on with the rest', async () => {
    const run = await deliver(store.warehouse, endpoint('picky'), { ...FAST, maxAttempts: 3 });
    expect(run).toEqual({ delivered: 7, deadLettered: 1, skipped: 0 });
    expect(await deadLetters(store.warehouse, 'picky')).toEqual([{ seq: 3, id: ids[2], attempts: 3, reason: 'http_400' }]);
    expect(acknowledged('/picky')).toEqual(ids.filter((_, i) => i !== 2));
  });

  it('sends an endpoint only the kinds it asked for', async () => {
    const run = await deliver(store.warehouse, endpoint('recoveries', { kinds: ['cart.recovered'] }), FAST);
    expect(run).toEqual({ delivered: 1, deadLettered: 0, skipped: 7 });
    expect(rx.got.filter((g) => g.path === '/recoveries').map((g) => (JSON.parse(g.body) as { kind: string; cart_id: string }).kind + ' ' + (JSON.parse(g.body) as { cart_id: string }).cart_id)).toEqual(['cart.recovered D']);
  });
});
