import type { Server } from 'node:http';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../api/app.ts';
import { KeyRing, parseApiKeys } from '../api/auth.ts';
import { DEFAULT_API_LIMITS } from '../api/limits.ts';
import { createWorkerApp } from '../api/workerApp.ts';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import type { WorkerHealth } from '../ingest/kafka/health.ts';
import { withWriteOutage } from '../sql/failingWarehouse.ts';
import { tempDuckDb } from './support/tempStore.ts';

// One error vocabulary on the wire: whoever refuses a request (auth, validation, express's body reader,
// the collector, the rate limiter, the route table, the ingest worker), the answer is the same
// problem+json body, every key snake_case.
// The collector allows one request a second per key: each collector case sends with a key of its own.
const KEYS = {
  admin: 'admin-key-0123456789',
  marketing: 'marketing-key-0123456789',
  data: 'data-key-0123456789',
  tooLarge: 'ingest-key-413-0123456789',
  mediaType: 'ingest-key-415-0123456789',
  limited: 'ingest-key-429-0123456789',
  unavailable: 'ingest-key-503-0123456789',
};
const ROLE_OF: Record<keyof typeof KEYS, string> = {
  admin: 'admin',
  marketing: 'marketing',
  data: 'data',
  tooLarge: 'ingest',
  mediaType: 'ingest',
  limited: 'ingest',
  unavailable: 'ingest',
};
const BASE = ['code', 'detail', 'instance', 'status', 'title', 'type'];
const SNAKE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

const log = pino({ level: 'silent' });
let store: Awaited<ReturnType<typeof tempDuckDb>>;
let pipeline: IngestPipeline;
const servers: Server[] = [];
let url: string;
let workerUrl: string;

async function serve(app: ReturnType<typeof createApp>): Promise<string> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

beforeAll(async () => {
  store = await tempDuckDb();
  // Writes fail for the whole suite: a request the collector takes is answered 503 store_unavailable.
  pipeline = new IngestPipeline(withWriteOutage(store.warehouse, 3_600_000, log));
  const app = createApp({
    warehouse: store.warehouse,
    pipeline,
    log,
    collector: { maxBodyBytes: 4096, maxEvents: 1000 },
    limits: DEFAULT_API_LIMITS,
    keys: new KeyRing(
      parseApiKeys(
        Object.entries(KEYS)
          .map(([name, key]) => `${ROLE_OF[name as keyof typeof KEYS]}:${key}`)
          .join(','),
      ),
    ),
    collectorRateLimit: 1,
    stopping: () => false,
  });
  url = await serve(app);
  const health = { ok: true, report: () => ({ status: 'ok' }) } as unknown as WorkerHealth;
  workerUrl = await serve(createWorkerApp({ health, metrics: new Registry() }));
});

afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
  await pipeline.close();
  await store.cleanup();
});

const auth = (key: string) => ({ authorization: `Bearer ${key}` });
const events = (key: string, body: string, type = 'application/json') =>
  fetch(`${url}/v1/events`, { method: 'POST', headers: { ...auth(key), 'content-type': type }, body });

/** Sends events until the per-key limit (1 a second) refuses one; the first of a second is let through. */
async function rateLimited(): Promise<Response> {
  for (let i = 0; i < 20; i++) {
    const res = await events(KEYS.limited, '[{}]');
    if (res.status === 429) return res;
    await res.arrayBuffer();
  }
  throw new Error('no 429 in 20 requests at a limit of 1 a second');
}

describe('every error answer is the same problem+json shape', () => {
  it.each<[string, () => Promise<Response>, number, string, string[]]>([
    ['400 validation', () => fetch(`${url}/v1/audiences/abandoned-carts?limit=0`, { headers: auth(KEYS.marketing) }), 400, 'invalid_request', ['errors']],
    [
      '400 body-parser',
      () => fetch(`${url}/v1/sql`, { method: 'POST', headers: { ...auth(KEYS.data), 'content-type': 'application/json' }, body: '{"sql": ' }),
      400,
      'invalid_json',
      [],
    ],
    ['401', () => fetch(`${url}/v1/stats`), 401, 'unauthenticated', []],
    [
      '403',
      () => fetch(`${url}/v1/sql`, { method: 'POST', headers: { ...auth(KEYS.marketing), 'content-type': 'application/json' }, body: '{"sql":"SELECT 1"}' }),
      403,
      'forbidden',
      [],
    ],
    ['404 route', () => fetch(`${url}/v1/no-such-route`, { headers: auth(KEYS.admin) }), 404, 'not_found', []],
    ['413 collector', () => events(KEYS.tooLarge, `[${' '.repeat(5000)}]`), 413, 'body_too_large', ['limit', 'limit_name']],
    [
      '413 body-parser',
      () =>
        fetch(`${url}/v1/sql`, {
          method: 'POST',
          headers: { ...auth(KEYS.data), 'content-type': 'application/json' },
          body: JSON.stringify({ sql: 'x'.repeat(300_000) }),
        }),
      413,
      'body_too_large',
      ['limit'],
    ],
    ['415', () => events(KEYS.mediaType, 'a=1', 'application/x-www-form-urlencoded'), 415, 'unsupported_media_type', []],
    ['429', rateLimited, 429, 'rate_limited', []],
    ['503', () => events(KEYS.unavailable, '[{}]'), 503, 'store_unavailable', []],
    ['404 of the ingest worker', () => fetch(`${workerUrl}/no-such-route`), 404, 'not_found', []],
  ])('%s', async (_name, send, status, code, extensions) => {
    const res = await send();
    expect([res.status, res.headers.get('content-type')]).toEqual([status, 'application/problem+json; charset=utf-8']);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual([...BASE, ...extensions].sort());
    expect(Object.keys(body).filter((k) => !SNAKE.test(k))).toEqual([]);
    expect(body).toMatchObject({ type: `https://carrello.dev/problems/${code}`, status, code, detail: expect.any(String), title: expect.any(String) });
    if (status === 429 || status === 503) expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
