/**
 * Every size or time a client controls has a limit, and going over it is answered with a 4xx problem+json
 * that names the limit (its value, and its setting where there is one). Limits that cut an answer rather
 * than refuse it (SQL rows, breakdown values) say so in the answer. The collector's rate limit per key is
 * in security.e2e.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cart, type ToyCart } from './support/cartEvents.ts';
import { startApp } from './support/app.ts';

const LIMITS = {
  CARRELLO_COLLECTOR_MAX_BODY_BYTES: '16384',
  CARRELLO_COLLECTOR_MAX_EVENTS: '40',
  CARRELLO_EXPORT_MAX_ROWS: '10',
  CARRELLO_SQL_MAX_ROWS: '5',
  CARRELLO_SQL_TIMEOUT_MS: '500',
};
const FROM = '2026-03-01T00:00:00Z';
const TO = '2026-03-08T00:00:00Z';
const AS_OF = '2026-04-01T00:00:00Z';

// 28 carts with 27 campaigns: camp-26 has two carts, every other one, one.
const CARTS: ToyCart[] = Array.from({ length: 28 }, (_, i) => {
  const campaign = `camp-${String(Math.min(i, 26)).padStart(2, '0')}`;
  return cart(`limits-${i}`, { campaign }).add(`2026-03-02T10:${String(i).padStart(2, '0')}:00Z`);
});

let app: Awaited<ReturnType<typeof startApp>>;
beforeAll(async () => {
  app = await startApp(LIMITS);
  const body = CARTS.flatMap((c) => c.events)
    .map((e) => JSON.stringify(e))
    .join('\n');
  const res = await fetch(`${app.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
  expect(res.status).toBe(202);
  expect(await res.json()).toEqual({ accepted: 28, rejected: [] });
});
afterAll(async () => {
  await app?.stop();
});

function call(method: 'GET' | 'POST', path: string, body?: string, type = 'application/json') {
  return fetch(`${app.url}${path}`, { method, headers: body === undefined ? {} : { 'content-type': type }, body });
}
const json = (v: unknown) => JSON.stringify(v);
const funnel = (over: Record<string, unknown> = {}) =>
  json({ steps: [{ type: 'cart.item_added' }, { type: 'cart.checkout_started' }], from: FROM, to: TO, as_of: AS_OF, ...over });

describe('a request over a limit is refused with a 4xx naming the limit', () => {
  it.each([
    [
      'request body (collector_max_body_bytes)',
      () => call('POST', '/v1/events', ' '.repeat(16_385), 'application/x-ndjson'),
      413,
      { code: 'body_too_large', limit: 16_384, limit_name: 'collector_max_body_bytes' },
      '16384 bytes (collector_max_body_bytes)',
    ],
    [
      'events per request (collector_max_events)',
      () => call('POST', '/v1/events', json(Array.from({ length: 41 }, () => ({ type: 'cart.checkout_started' })))),
      413,
      { code: 'too_many_events', limit: 40, limit_name: 'collector_max_events' },
      'the limit is 40 per request (collector_max_events)',
    ],
    [
      'query range of an analysis (400 days)',
      () => call('GET', `/v1/funnels/abandonment?from=2025-01-01T00:00:00Z&to=${TO}&as_of=${AS_OF}`),
      400,
      { code: 'range_too_large', limit: 400, limit_name: 'max_range_days', errors: [{ in: 'query', field: 'from' }] },
      'more than 400 days (max_range_days)',
    ],
    [
      'query range of a custom funnel (400 days)',
      () => call('POST', '/v1/funnels', funnel({ from: '2025-01-01T00:00:00Z' })),
      400,
      { code: 'range_too_large', limit: 400, limit_name: 'max_range_days', errors: [{ in: 'body', field: 'from' }] },
      'more than 400 days (max_range_days)',
    ],
    [
      'a duration parameter (400 days)',
      () => call('GET', `/v1/audiences/abandoned-carts?as_of=${AS_OF}&abandon_after=401d`),
      400,
      { code: 'invalid_request', errors: [{ in: 'query', field: 'abandon_after' }] },
      'at most 400 days',
    ],
    [
      'export rows (export_max_rows)',
      () => call('GET', `/v1/export/events?from=${FROM}&to=${TO}&format=ndjson`),
      422,
      { code: 'export_too_large', rows: 28, limit: 10 },
      'at most 10 (export_max_rows)',
    ],
    [
      'SQL rows asked for beyond sql_max_rows',
      () => call('POST', '/v1/sql', json({ query: 'SELECT 1', max_rows: 6 })),
      400,
      { code: 'invalid_request', errors: [{ in: 'body', field: 'max_rows' }] },
      'max_rows',
    ],
    [
      'SQL time asked for beyond sql_timeout_ms',
      () => call('POST', '/v1/sql', json({ query: 'SELECT 1', timeout_ms: 501 })),
      400,
      { code: 'invalid_request', errors: [{ in: 'body', field: 'timeout_ms' }] },
      'timeout_ms',
    ],
    [
      'SQL time used (sql_timeout_ms)',
      () => call('POST', '/v1/sql', json({ query: 'SELECT count(*) FROM range(9223372036854775807)' })),
      400,
      { code: 'query_timeout', limit_ms: 500 },
      'the time limit of 500 ms',
    ],
  ] as const)('%s', async (_name, request, status, fields, inDetail) => {
    const res = await request();
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await res.json()) as { detail: string; errors?: { message: string }[] };
    expect(problem).toMatchObject({ status, ...fields });
    // The limit's value is in the words too: in the detail, or in the message of the field it concerns.
    expect(`${problem.detail} ${problem.errors?.map((e) => e.message).join(' ') ?? ''}`).toContain(inDetail);
  });

  it('names the value a SQL parameter may take at most', async () => {
    const problem = (await (await call('POST', '/v1/sql', json({ query: 'SELECT 1', max_rows: 6 }))).json()) as { errors: { message: string }[] };
    expect(problem.errors[0]!.message).toMatch(/<=\s?5\b/);
  });
});

describe('an answer over a limit is cut, and says so', () => {
  it('cuts SQL rows at sql_max_rows, with the headers and the JSON saying it', async () => {
    const res = await call('POST', '/v1/sql', json({ query: 'SELECT i FROM range(10) t(i)' }));
    expect(res.status).toBe(200);
    expect([res.headers.get('carrello-truncated'), res.headers.get('carrello-row-limit')]).toEqual(['max_rows', '5']);
    expect(await res.json()).toMatchObject({ row_count: 5, truncated: true, truncated_by: 'max_rows' });
  });

  it('keeps the 25 campaigns with most carts in an abandonment breakdown and sums up the rest as (other)', async () => {
    const res = await call('GET', `/v1/funnels/abandonment?from=${FROM}&to=${TO}&as_of=${AS_OF}&breakdown=campaign`);
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { funnel: { carts: number }[]; breakdown_values: { value: string; funnel: { carts: number }[] }[] };
    const started = answer.breakdown_values.map((b) => [b.value, b.funnel[0]!.carts]);
    // camp-26 (2 carts) is kept before camp-24 and camp-25 (1 each, last by name); those two make (other).
    expect(started).toEqual([...Array.from({ length: 24 }, (_, i) => [`camp-${String(i).padStart(2, '0')}`, 1]), ['camp-26', 2], ['(other)', 2]]);
    expect(answer.funnel[0]!.carts).toBe(28);
  });

  it('does the same in a custom funnel', async () => {
    const res = await call('POST', '/v1/funnels', funnel({ breakdown: 'campaign' }));
    expect(res.status).toBe(200);
    const report = (await res.json()) as { breakdown: { value: string; steps: { count: number }[] }[] };
    expect(report.breakdown).toHaveLength(26);
    expect(report.breakdown[0]).toMatchObject({ value: 'camp-26', steps: [{ count: 2 }, { count: 0 }] });
    expect(report.breakdown[25]).toMatchObject({ value: '(other)', steps: [{ count: 2 }, { count: 0 }] });
  });
});
