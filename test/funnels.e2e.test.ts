import type { Server } from 'node:http';
import { tableFromIPC } from 'apache-arrow';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../api/app.ts';
import { DEFAULT_COLLECTOR } from '../ingest/collector.ts';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import { cart, messages } from './support/cartEvents.ts';
import { tempDuckDb } from './support/tempStore.ts';

let store: Awaited<ReturnType<typeof tempDuckDb>>;
let pipeline: IngestPipeline;
let server: Server;
let url: string;

beforeAll(async () => {
  store = await tempDuckDb();
  pipeline = new IngestPipeline(store.warehouse);
  const loaded = await pipeline.ingest(
    messages(
      cart('c1', { channel: 'web' }).add('2026-03-02T10:00:00Z').checkout('2026-03-02T10:30:00Z').order('2026-03-02T10:31:00Z'),
      cart('c2', { channel: 'app' }).add('2026-03-03T10:00:00Z').checkout('2026-03-03T11:00:00Z'),
      cart('c3', { channel: 'web' }).add('2026-03-04T10:00:00Z'),
    ),
  );
  expect(loaded.rejected).toEqual([]);
  const app = createApp({ warehouse: store.warehouse, pipeline, log: pino({ level: 'silent' }), collector: DEFAULT_COLLECTOR, stopping: () => false });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await pipeline?.close();
  await store?.cleanup();
});

const body = {
  steps: [{ type: 'cart.item_added' }, { type: 'cart.checkout_started' }, { type: 'order.placed' }],
  from: '2026-03-01T00:00:00Z',
  to: '2026-03-08T00:00:00Z',
  as_of: '2026-04-01T00:00:00Z',
};
const post = (b: unknown, query = '', headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/funnels${query}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(b) });

describe('POST /v1/funnels', () => {
  it('answers JSON: counts, conversion and times per step', async () => {
    const res = await post(body);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      as_of: '2026-04-01T00:00:00.000Z',
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-03-08T00:00:00.000Z',
      entity: 'cart',
      order: 'ordered',
      window_seconds: 1_209_600,
      steps: [
        {
          index: 0,
          name: 'cart.item_added',
          type: 'cart.item_added',
          product_id: null,
          category: null,
          count: 3,
          conversion_from_previous: null,
          conversion_from_first: 1,
          median_seconds_from_previous: null,
          average_seconds_from_previous: null,
        },
        {
          index: 1,
          name: 'cart.checkout_started',
          type: 'cart.checkout_started',
          product_id: null,
          category: null,
          count: 2,
          conversion_from_previous: 0.666667,
          conversion_from_first: 0.666667,
          median_seconds_from_previous: 2700,
          average_seconds_from_previous: 2700,
        },
        {
          index: 2,
          name: 'order.placed',
          type: 'order.placed',
          product_id: null,
          category: null,
          count: 1,
          conversion_from_previous: 0.5,
          conversion_from_first: 0.333333,
          median_seconds_from_previous: 60,
          average_seconds_from_previous: 60,
        },
      ],
      exclusions: [],
      spoiled: 0,
      breakdown_by: null,
      notes: [],
    });
  });

  it('answers CSV with ?format=csv, a breakdown value per row when broken down', async () => {
    const res = await post({ ...body, breakdown: 'channel' }, '?format=csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(await res.text()).toBe(
      [
        'breakdown_value,index,name,type,product_id,category,count,conversion_from_previous,conversion_from_first,median_seconds_from_previous,average_seconds_from_previous',
        ',0,cart.item_added,cart.item_added,,,3,,1,,',
        ',1,cart.checkout_started,cart.checkout_started,,,2,0.666667,0.666667,2700,2700',
        ',2,order.placed,order.placed,,,1,0.5,0.333333,60,60',
        'web,0,cart.item_added,cart.item_added,,,2,,1,,',
        'web,1,cart.checkout_started,cart.checkout_started,,,1,0.5,0.5,1800,1800',
        'web,2,order.placed,order.placed,,,1,1,0.5,60,60',
        'app,0,cart.item_added,cart.item_added,,,1,,1,,',
        'app,1,cart.checkout_started,cart.checkout_started,,,1,1,1,3600,3600',
        'app,2,order.placed,order.placed,,,0,0,0,,',
        '',
      ].join('\n'),
    );
  });

  it('answers CSV to Accept: text/csv, and an Arrow IPC stream to its media type', async () => {
    const csv = await post(body, '', { accept: 'text/csv' });
    expect((await csv.text()).split('\n')[1]).toBe('0,cart.item_added,cart.item_added,,,3,,1,,');
    const arrow = await post(body, '', { accept: 'application/vnd.apache.arrow.stream' });
    expect(arrow.headers.get('content-type')).toBe('application/vnd.apache.arrow.stream');
    const table = tableFromIPC(new Uint8Array(await arrow.arrayBuffer()));
    expect(table.numRows).toBe(3);
    expect(table.getChild('count')!.toArray()).toEqual(new BigInt64Array([3n, 2n, 1n]));
    expect([...table.getChild('name')!.toArray()]).toEqual(['cart.item_added', 'cart.checkout_started', 'order.placed']);
  });

  it.each([
    ['too few steps', { ...body, steps: [{ type: 'cart.item_added' }] }, 'steps'],
    ['an unknown event type', { ...body, steps: [{ type: 'cart.item_added' }, { type: 'cart.viewed' }] }, 'steps.1.type'],
    ['an unknown field', { ...body, window: 60 }, 'window'],
    ['a window over 90 days', { ...body, window_seconds: 90 * 86_400 + 1 }, 'window_seconds'],
    ['a reversed exclusion range', { ...body, exclusions: [{ type: 'cart.item_removed', between: [2, 1] }] }, 'exclusions.0.between'],
    ['an exclusion past the last step', { ...body, exclusions: [{ type: 'cart.item_removed', between: [1, 3] }] }, 'exclusions.0.between'],
    [
      'a partial exclusion in an unordered funnel',
      { ...body, order: 'unordered', exclusions: [{ type: 'cart.item_removed', between: [0, 1] }] },
      'exclusions.0.between',
    ],
    ['an exclusion that is a step', { ...body, exclusions: [{ type: 'cart.checkout_started', between: [0, 2] }] }, 'exclusions.0'],
    ['from after to', { ...body, from: '2026-03-09T00:00:00Z' }, 'from'],
    ['a time without a zone', { ...body, as_of: '2026-04-01T00:00:00' }, 'as_of'],
    ['an unknown breakdown', { ...body, breakdown: 'browser' }, 'breakdown'],
  ])('refuses %s with 400 problem+json naming the field', async (_case, bad, field) => {
    const res = await post(bad);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await res.json()) as { code: string; detail: string; errors: { in: string; field: string }[] };
    expect(problem.code).toBe('invalid_request');
    expect(problem.errors[0]).toMatchObject({ in: 'body', field });
    expect(problem.detail).toContain(`body ${field}:`);
  });

  it('is described in /openapi.json', async () => {
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, { post?: { requestBody?: unknown } }> };
    expect(doc.paths['/v1/funnels']?.post?.requestBody).toBeDefined();
  });
});
