import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_API_LIMITS } from '../api/limits.ts';
import { allRoutes } from '../api/routes/index.ts';
import { serveApp } from './support/app.ts';
import { answerCheck, takeMismatches } from './support/answerCheck.ts';
import { ingestTexts, itemAdded } from './support/seed.ts';
import { tempDuckDb } from './support/tempStore.ts';

type Operation = { operationId: string; security: Record<string, string[]>[]; responses: Record<string, { content?: Record<string, { schema?: unknown }> }> };
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, Record<string, string>> } };

describe('/openapi.json', () => {
  let store: Awaited<ReturnType<typeof tempDuckDb>>;
  let app: Awaited<ReturnType<typeof serveApp>>;
  let doc: Doc;
  const operations = () => Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, ...op })));

  beforeAll(async () => {
    store = await tempDuckDb();
    app = await serveApp(store.warehouse);
    doc = (await (await fetch(`${app.url}/openapi.json`)).json()) as Doc;
  });
  afterAll(async () => {
    await app?.stop();
    await store?.cleanup();
  });

  it('covers every route: the route table and those served beside it', () => {
    const table = allRoutes({ warehouse: store.warehouse, limits: DEFAULT_API_LIMITS }).map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    const outside = [
      'post /v1/events',
      'post /v1/cart-snapshots',
      'post /v1/shopify/webhooks',
      'get /v1/stats',
      'get /healthz',
      'get /metrics',
      'get /sdk/carrello.js',
      'get /openapi.json',
    ];
    expect(
      operations()
        .map((o) => `${o.method} ${o.path}`)
        .sort(),
    ).toEqual([...table, ...outside].sort());
  });

  it('names every operation once, in camelCase', () => {
    const ids = operations().map((o) => o.operationId);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-zA-Z0-9]*$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(
      Object.fromEntries(
        operations()
          .filter((o) => ['/v1/events', '/v1/funnels', '/healthz'].includes(o.path))
          .map((o) => [o.path, o.operationId]),
      ),
    ).toEqual({
      '/v1/events': 'sendEvents',
      '/v1/funnels': 'runFunnel',
      '/healthz': 'getHealth',
    });
  });

  it('describes a JSON answer for every operation that answers JSON, and errors as problem+json', () => {
    for (const op of operations()) {
      const json = Object.entries(op.responses)
        .filter(([status]) => status.startsWith('2'))
        .map(([, r]) => r.content?.['application/json']);
      if (!['exportEvents', 'getMetrics', 'getBrowserSdk'].includes(op.operationId))
        expect([op.operationId, json.some((c) => c?.schema !== undefined)]).toEqual([op.operationId, true]);
      expect(op.responses['4XX']).toEqual({ $ref: '#/components/responses/Problem' });
    }
  });

  it('says how the API key is sent: bearer or X-API-Key, ?key= for a public key sending events; no key for the open routes', () => {
    expect(doc.components.securitySchemes).toMatchObject({
      bearerKey: { type: 'http', scheme: 'bearer' },
      headerKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      publicKeyInUrl: { type: 'apiKey', in: 'query', name: 'key' },
    });
    const security = Object.fromEntries(operations().map((o) => [o.operationId, o.security.map((s) => Object.keys(s).join('+'))]));
    expect(security.sendEvents).toEqual(['bearerKey', 'headerKey', 'publicKeyInUrl']);
    expect(security.getAbandonmentFunnel).toEqual(['bearerKey', 'headerKey']);
    expect(security.receiveShopifyWebhook).toEqual(['shopifyHmac']);
    for (const open of ['getHealth', 'getOpenApiDocument', 'getBrowserSdk']) expect(security[open]).toEqual([]);
  });

  it('validates the answers the suites receive: these ones, 2xx and 4xx', async () => {
    const before = answerCheck().validated;
    const sent = await fetch(`${app.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `[${itemAdded('00000000-0000-4000-8000-00000000a001', '2026-03-02T10:00:00.000Z')}, {"type": "nonsense"}]`,
    });
    expect(sent.status).toBe(202);
    await ingestTexts(store.warehouse, [itemAdded('00000000-0000-4000-8000-00000000a002', '2026-03-02T11:00:00.000Z', { cart_id: 'cart-2' })]);
    const range = 'from=2026-03-01T00:00:00.000Z&to=2026-03-04T00:00:00.000Z&as_of=2026-03-05T00:00:00.000Z';
    for (const path of [
      '/healthz',
      '/v1/stats',
      `/v1/funnels/abandonment?${range}&breakdown=day`,
      `/v1/funnels/removal?${range}&min_adds=1`,
      '/v1/carts/cart-2/events',
      '/v1/carts/nope',
      '/v1/funnels/quantity?limit=0',
    ]) {
      const res = await fetch(`${app.url}${path}`);
      expect([path, res.status]).toEqual([path, path.includes('nope') ? 404 : path.includes('limit=0') ? 400 : 200]);
    }
    expect(answerCheck().validated - before).toBe(8);
  });

  describe('an answer that does not match', () => {
    let fake: Server;
    let fakeUrl: string;
    beforeAll(async () => {
      // A server that answers /v1/stats as carrello does but for one count given as text: a regression of the answer.
      const stats = {
        events_stored: 'many',
        events_rejected: 0,
        carts: 0,
        first_event_at: null,
        last_event_at: null,
        last_received_at: null,
        rejected_by_reason: {},
        timezone: 'UTC',
      };
      const lag = {
        read_models: { pending_carts: 0, oldest_pending_at: null, lag_seconds: 0 },
        ingest: { inserted: 0, duplicates: 0, rejected: 0, batches: 0, failed_batches: 0 },
      };
      fake = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...stats, ...lag })));
      await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
      fakeUrl = `http://127.0.0.1:${(fake.address() as { port: number }).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => fake.close(() => resolve())));

    it('fails the request, naming the field', async () => {
      await expect(fetch(`${fakeUrl}/v1/stats`)).rejects.toThrow(
        /GET \/v1\/stats 200 application\/json does not match \/openapi\.json: \/events_stored must be integer \{"type":"integer"\}$/,
      );
      // Taken here, or afterEach would fail this test as it fails any other.
      expect(takeMismatches()).toHaveLength(1);
    });
  });
});
