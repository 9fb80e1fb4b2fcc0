import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSecret } from '../announce/signature.ts';
import { parseApiKeys } from '../api/auth.ts';
import { validExamples } from '../ingest/contract/examples.ts';
import { startCarrello, type CarrelloProcess } from './support/process.ts';

const KEYS = {
  marketing: 'mkt-0123456789abcdef',
  data: 'data-0123456789abcdef',
  ingest: 'ing-0123456789abcdef',
  public: 'pub-0123456789abcdef',
  admin: 'adm-0123456789abcdef',
};
const SHOP = 'https://shop.example';
const dir = mkdtempSync(join(tmpdir(), 'carrello-security-'));
let server: CarrelloProcess;

beforeAll(async () => {
  // The admin key is given by its hash, from a file, as an operator who keeps no secrets on disk would.
  const file = join(dir, 'keys');
  const adminHash = createHash('sha256').update(KEYS.admin).digest('hex');
  writeFileSync(
    file,
    `# carrello keys\nmarketing:${KEYS.marketing}\ndata:${KEYS.data}\ningest:${KEYS.ingest}\npublic:${KEYS.public}\nadmin:sha256:${adminHash}\n`,
  );
  server = await startCarrello(['--no-demo', '--store', `duckdb:${join(dir, 's.duckdb')}`], {
    CARRELLO_API_KEYS_FILE: file,
    CARRELLO_COLLECTOR_RATE_LIMIT: '5',
    CARRELLO_PUBLIC_ORIGINS: SHOP,
    CARRELLO_PUBLIC_RATE_LIMIT_PER_ADDRESS: '4',
    // An endpoint to ask a replay of (the log is empty: nothing is ever sent to it).
    CARRELLO_WEBHOOKS: JSON.stringify([{ name: 'flow', url: 'http://127.0.0.1:9/hook', secrets: [newSecret()] }]),
  });
});
afterAll(async () => {
  server?.child.kill('SIGTERM');
  await server?.exited;
  rmSync(dir, { recursive: true, force: true });
});

type Who = keyof typeof KEYS | 'nobody' | 'stranger';
function call(who: Who, method: string, path: string, init: { body?: string; type?: string; accept?: string } = {}) {
  const headers: Record<string, string> = {};
  if (who === 'stranger') headers.authorization = 'Bearer not-a-key-at-all-123';
  else if (who !== 'nobody') headers.authorization = `Bearer ${KEYS[who]}`;
  if (init.type) headers['content-type'] = init.type;
  if (init.accept) headers.accept = init.accept;
  // A public key is only taken from a listed origin: the matrix asks what it may do from one.
  if (who === 'public') headers.origin = SHOP;
  return fetch(`${server.url}${path}`, { method, headers, body: init.body });
}

const event = validExamples()[0]!.text;
const ROUTES: [string, string, { body?: string; type?: string; accept?: string }][] = [
  ['GET', '/v1/funnels/abandonment', {}],
  ['GET', '/v1/funnels/removal', {}],
  ['GET', '/v1/audiences/abandoned-carts', {}],
  ['GET', '/v1/carts/A', {}],
  ['GET', '/v1/funnels/abandonment?format=arrow', {}],
  ['POST', '/v1/sql', { body: JSON.stringify({ query: 'SELECT count(*) FROM events' }), type: 'application/json' }],
  ['GET', '/v1/export/events?format=ndjson', {}],
  ['POST', '/v1/events', { body: event, type: 'application/json' }],
  ['GET', '/v1/stats', {}],
  ['GET', '/v1/lifecycle/announcements', {}],
  ['GET', '/v1/lifecycle/endpoints', {}],
  ['GET', '/v1/funnels/recovery', {}],
  ['POST', '/v1/lifecycle/endpoints/flow/replay', { body: '{}', type: 'application/json' }],
  ['PUT', '/v1/products', { body: JSON.stringify([{ id: 'P-sec', name: 'Secure hose' }]), type: 'application/json' }],
  ['PUT', '/v1/exchange-rates', { body: JSON.stringify([{ date: '2026-03-01', base: 'CHF', quote: 'EUR', rate: '0.9412' }]), type: 'application/json' }],
];
// Expected status per role, in ROUTES order (404: allowed, but cart A does not exist).
const EXPECTED: Record<Who, number[]> = {
  nobody: [401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
  stranger: [401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401],
  marketing: [200, 200, 200, 404, 403, 403, 403, 403, 200, 200, 200, 200, 403, 403, 403],
  data: [200, 200, 200, 404, 200, 200, 200, 403, 200, 200, 200, 200, 403, 200, 200],
  ingest: [403, 403, 403, 403, 403, 403, 403, 202, 200, 403, 403, 403, 403, 403, 403],
  public: [403, 403, 403, 403, 403, 403, 403, 202, 403, 403, 403, 403, 403, 403, 403],
  admin: [200, 200, 200, 404, 200, 200, 200, 202, 200, 200, 200, 200, 202, 200, 200],
};

describe('API keys and roles', () => {
  it.each(Object.entries(EXPECTED) as [Who, number[]][])('gives %s exactly its routes', async (who, expected) => {
    const statuses: number[] = [];
    for (const [method, path, init] of ROUTES) {
      const res = await call(who, method, path, init);
      statuses.push(res.status);
      if (res.status === 401 || res.status === 403) {
        expect(res.headers.get('content-type')).toMatch(/problem\+json/);
        expect(((await res.json()) as { code: string }).code).toBe(res.status === 401 ? 'unauthenticated' : 'forbidden');
      } else await res.arrayBuffer();
    }
    expect(statuses).toEqual(expected);
  });

  it('asks for a key on unknown /v1 paths too, and leaves /healthz open', async () => {
    expect((await call('nobody', 'GET', '/v1/nothing-here')).status).toBe(401);
    expect((await call('nobody', 'GET', '/healthz')).status).toBe(200);
  });

  it('rate-limits the collector per key with 429 and Retry-After', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 8; i++) {
      const res = await call('ingest', 'POST', '/v1/events', { body: '[]', type: 'application/json' });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
      await res.arrayBuffer();
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);
    expect(statuses.slice(0, 3)).toEqual([202, 202, 202]);
    expect(retryAfter).toBe('1');
  });
});

describe('public keys (the browser SDK)', () => {
  const post = (url: string, headers: Record<string, string>) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain', ...headers }, body: event });
  const problem = async (res: Response) => [res.status, ((await res.json()) as { code: string }).code];

  it('takes a public key from the URL, as sendBeacon sends it, but never a secret key', async () => {
    const beacon = await post(`${server.url}/v1/events?key=${KEYS.public}`, { origin: SHOP });
    expect(beacon.status).toBe(202);
    await beacon.arrayBuffer();
    const secret = await post(`${server.url}/v1/events?key=${KEYS.ingest}`, {});
    expect(await problem(secret)).toEqual([401, 'unauthenticated']);
  });

  it('refuses a public key from an origin not listed, or with no Origin at all', async () => {
    for (const headers of [{ origin: 'https://evil.example' }, { origin: 'null' }, {}] as Record<string, string>[]) {
      const res = await post(`${server.url}/v1/events`, { ...headers, authorization: `Bearer ${KEYS.public}` });
      expect(await problem(res)).toEqual([403, 'origin_not_allowed']);
    }
  });

  it('reads nothing with a public key, not even paths no route serves', async () => {
    for (const path of ['/v1/openapi.json', '/v1/nothing-here', '/v1/events']) {
      expect(await problem(await call('public', 'GET', path))).toEqual([403, 'forbidden']);
    }
  });

  it('rate-limits a public key per client address with 429 and Retry-After', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 8; i++) {
      const res = await post(`${server.url}/v1/events?key=${KEYS.public}`, { origin: SHOP });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
      await res.arrayBuffer();
    }
    expect(retryAfter).toBe('1');
    // 4 per second from this address: at least 4 of 8 requests sent within a few seconds are refused.
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);
  });
});

describe('listening without keys', () => {
  it('refuses to listen beyond loopback when no API key is configured', async () => {
    await expect(startCarrello(['--no-demo', '--host', '0.0.0.0', '--store', `duckdb:${join(dir, 'open.duckdb')}`])).rejects.toThrow(
      /refusing to listen on 0\.0\.0\.0 without API keys/,
    );
  });

  it.each([
    ['reader:0123456789abcdef0', /expected role:key/],
    ['marketing:short', /shorter than 16 characters/],
    ['no-colon-here', /expected role:key/],
    ['public:short', /shorter than 16 characters/],
  ])('refuses the key entry %s', (spec, message) => {
    expect(() => parseApiKeys(spec)).toThrow(message);
  });
});
