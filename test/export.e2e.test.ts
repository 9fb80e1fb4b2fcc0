import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, startAppOn } from './support/app.ts';
import { tempClickHouse } from './support/tempClickHouse.ts';
import { tempDuckDb } from './support/tempStore.ts';
import { waitFor } from './support/kafkaTest.ts';
import { ingestTexts, itemAdded, simulated } from './support/seed.ts';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const ID = (n: number) => `00000000-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`;
const FROM = '2026-03-10T00:00:00.000Z';
const TO = '2026-03-10T12:00:00.000Z';
const fromMs = Date.parse(FROM);
const toMs = Date.parse(TO);

let app: Awaited<ReturnType<typeof startApp>>;
let now: number;
// Four events inside [FROM, TO), one on each side of it, two around "24 hours ago".
let inside: string[];

beforeAll(async () => {
  app = await startApp({ CARRELLO_EXPORT_MAX_ROWS: '4' });
  now = Date.now();
  inside = [itemAdded(ID(1), FROM), itemAdded(ID(2), iso(fromMs + HOUR)), itemAdded(ID(3), iso(fromMs + 2 * HOUR)), itemAdded(ID(4), iso(toMs - 1))];
  await ingestTexts(app.warehouse, [
    itemAdded(ID(0), iso(fromMs - 1)),
    ...inside,
    itemAdded(ID(5), TO),
    itemAdded(ID(10), iso(now - 25 * HOUR)),
    itemAdded(ID(11), iso(now - HOUR)),
  ]);
});
afterAll(() => app?.stop());

const get = (query: string) => fetch(`${app.url}/v1/export/events?${query}`);

describe('GET /v1/export/events', () => {
  it('streams NDJSON of [from, to): the payloads as sent, one per line, with the row count and a file name', async () => {
    const res = await get(`from=${FROM}&to=${TO}&format=ndjson`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    expect(res.headers.get('carrello-row-count')).toBe('4');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="carrello-events_2026-03-10T00-00-00-000Z_2026-03-10T12-00-00-000Z.ndjson"');
    expect(await res.text()).toBe(`${inside.join('\n')}\n`);
  });

  it('streams Arrow that decodes to the events with their types', async () => {
    const res = await get(`from=${FROM}&to=${TO}&format=arrow`);
    expect(res.headers.get('content-type')).toBe('application/vnd.apache.arrow.stream');
    const table = tableFromIPC(new Uint8Array(await res.arrayBuffer()));
    expect(table.numRows).toBe(4);
    expect(String(table.schema.fields.find((f) => f.name === 'unit_price_minor')!.type)).toBe('Int64');
    expect(Array.from({ length: 4 }, (_, i) => table.getChild('occurred_at')!.get(i) as number)).toEqual([fromMs, fromMs + HOUR, fromMs + 2 * HOUR, toMs - 1]);
    expect(Array.from({ length: 4 }, (_, i) => table.getChild('unit_price_minor')!.get(i) as bigint)).toEqual([250n, 250n, 250n, 250n]);
  });

  it('streams Parquet that DuckDB reads back as the same events', async () => {
    const res = await get(`from=${FROM}&to=${TO}&format=parquet`);
    expect(res.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    const file = join(app.store.path, '..', 'http.parquet');
    const body = Buffer.from(await res.arrayBuffer());
    expect(res.headers.get('content-length')).toBe(String(body.length));
    writeFileSync(file, body);
    const reader = await (await DuckDBInstance.create(':memory:')).connect();
    const rows = (
      await reader.runAndReadAll('SELECT event_id, epoch_ms(occurred_at) AS t, unit_price_minor, quantity FROM read_parquet($f)', { f: file })
    ).getRowObjectsJson();
    reader.closeSync();
    rmSync(file);
    expect(rows).toEqual(
      inside
        .map((t) => JSON.parse(t) as { event_id: string; occurred_at: string })
        .map((e) => ({
          event_id: e.event_id,
          t: String(Date.parse(e.occurred_at)),
          unit_price_minor: '250',
          quantity: 2,
        })),
    );
  });

  it('defaults to NDJSON of the 24 hours before now', async () => {
    const res = await get('');
    expect(res.headers.get('carrello-row-count')).toBe('1');
    expect(JSON.parse(await res.text())).toMatchObject({ event_id: ID(11) });
  });

  it('refuses a range over the export row limit with 422 naming the limit, before streaming anything', async () => {
    const res = await get(`from=${iso(fromMs - 1)}&to=${TO}&format=parquet`);
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({
      status: 422,
      code: 'export_too_large',
      rows: 5,
      limit: 4,
      detail: 'the range holds 5 events; an export takes at most 4 (export_max_rows); narrow from/to and export in parts',
    });
  });

  it.each([
    [`from=${TO}&to=${FROM}`, 'invalid_range'],
    [`from=${FROM}&to=${FROM}`, 'invalid_range'],
    ['format=csv', 'invalid_request'],
    ['from=someday', 'invalid_request'],
    ['limit=5', 'invalid_request'],
  ])('refuses ?%s with 400 %s', async (query, code) => {
    const res = await get(query);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code });
  });
});

describe('GET /v1/export/events with a client that goes away', () => {
  it('stops streaming and frees its export slot', async () => {
    const one = await startApp({ CARRELLO_EXPORT_MAX_CONCURRENT: '1' });
    try {
      const end = Date.parse('2026-03-05T00:00:00.000Z');
      const events = simulated('export-abort', end - 4 * 86_400_000, end, 1000);
      await ingestTexts(
        one.warehouse,
        events.map((e) => JSON.stringify(e)),
      );
      const url = `${one.url}/v1/export/events?from=2026-03-01T00:00:00Z&to=2026-03-05T00:00:00Z&format=ndjson`;

      const client = new AbortController();
      const first = await fetch(url, { signal: client.signal });
      expect(first.headers.get('carrello-row-count')).toBe(String(events.length));
      await first.body!.getReader().read();
      // While the first export streams, its slot is taken.
      expect((await fetch(url)).status).toBe(429);
      client.abort();

      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 20));
        const again = await fetch(url.replace('format=ndjson', 'format=arrow'));
        status = again.status;
        await again.arrayBuffer();
      }
      expect(status).toBe(200);
    } finally {
      await one.stop();
    }
  });
});

const ENGINES = [
  ['DuckDB', tempDuckDb],
  ['ClickHouse (chdb)', () => tempClickHouse('export_held')],
] as const;

describe.each(ENGINES)('GET /v1/export/events on %s held open or piled up by one client', (_engine, open) => {
  const KEY_A = 'data-key-a-0123456789';
  const KEY_B = 'data-key-b-0123456789';
  let held: Awaited<ReturnType<typeof startAppOn>>;
  const whole = '?from=2026-03-01T00:00:00Z&to=2026-03-05T00:00:00Z&format=ndjson';
  // An hour of it: streamed whole well within the deadline, even on a busy machine.
  const hour = '?from=2026-03-04T12:00:00Z&to=2026-03-04T13:00:00Z&format=ndjson';
  beforeAll(async () => {
    held = await startAppOn(await open(), {
      CARRELLO_API_KEYS: `data:${KEY_A},data:${KEY_B}`,
      CARRELLO_EXPORT_MAX_CONCURRENT: '3',
      CARRELLO_EXPORT_MAX_PER_KEY: '1',
      CARRELLO_EXPORT_DEADLINE_MS: '8000',
    });
    const end = Date.parse('2026-03-05T00:00:00.000Z');
    // Enough that an export does not fit in the socket buffers of a reader that never reads.
    await ingestTexts(
      held.warehouse,
      simulated('export-held', end - 4 * 86_400_000, end, 1000).map((e) => JSON.stringify(e)),
    );
  });
  afterAll(() => held?.stop());
  const as = (key: string, query: string, signal?: AbortSignal) =>
    fetch(`${held.url}/v1/export/events${query}`, { headers: { authorization: `Bearer ${key}` }, signal });

  it('answers a second export of the same key 429 naming the per-key limit, while another key gets its export', async () => {
    const client = new AbortController();
    const first = await as(KEY_A, whole, client.signal);
    expect(first.status).toBe(200);
    try {
      const second = await as(KEY_A, hour);
      expect([second.status, second.headers.get('retry-after'), second.headers.get('content-type')]).toEqual([
        429,
        '1',
        'application/problem+json; charset=utf-8',
      ]);
      expect(await second.json()).toMatchObject({
        status: 429,
        code: 'too_many_exports_for_key',
        limit: 1,
        limit_name: 'export_max_per_key',
        detail: 'this client already runs 1 exports, the limit per key (export_max_per_key); wait for one to finish',
      });
      const other = await as(KEY_B, hour);
      expect(other.status).toBe(200);
      const lines = (await other.text()).trimEnd().split('\n');
      expect(lines).toHaveLength(Number(other.headers.get('carrello-row-count')));
    } finally {
      client.abort();
    }
    // and once the first is dropped, the key's slot comes back (the server learns of it a moment later)
    const status = await waitFor("the key's export slot given back", async () => {
      const again = await as(KEY_A, hour);
      await again.arrayBuffer();
      return again.status === 200 && again.status;
    });
    expect(status).toBe(200);
  });

  it('answers 503 naming the deadline when it passes before anything is streamed', async () => {
    const hasty = await startAppOn(await open(), { CARRELLO_EXPORT_DEADLINE_MS: '1' });
    try {
      const res = await fetch(`${hasty.url}/v1/export/events${hour}`);
      expect([res.status, res.headers.get('content-type')]).toEqual([503, 'application/problem+json; charset=utf-8']);
      expect(await res.json()).toMatchObject({
        code: 'export_deadline_exceeded',
        limit: 1,
        limit_name: 'export_deadline_ms',
        detail: 'the export did not finish within 1 ms (export_deadline_ms); narrow from/to and export in parts, and read as it streams',
      });
    } finally {
      await hasty.stop();
    }
  });

  it('cuts an export whose reader never reads at the deadline, and frees its slot', async () => {
    // given an export read up to its headers and then never again, holding the key's one slot
    const started = Date.now();
    const stalled = await as(KEY_A, whole);
    expect(stalled.status).toBe(200);
    expect((await as(KEY_A, hour)).status).toBe(429);
    // when the deadline (8 s) passes, then the slot is free again: the key's next export streams whole
    let again = await as(KEY_A, hour);
    while (again.status === 429 && Date.now() - started < 60_000) {
      await again.arrayBuffer();
      again = await as(KEY_A, hour);
    }
    expect(again.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(8_000);
    const lines = (await again.text()).trimEnd().split('\n');
    expect(lines).toHaveLength(Number(again.headers.get('carrello-row-count')));
    // and the stalled transfer was cut, not ended as if it were whole
    await expect(stalled.text()).rejects.toThrow('terminated');
  });
});
