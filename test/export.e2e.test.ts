import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from './support/app.ts';
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
    expect(res.headers.get('content-disposition')).toBe(
      'attachment; filename="carrello-events_2026-03-10T00-00-00-000Z_2026-03-10T12-00-00-000Z.ndjson"',
    );
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
    const rows = (await reader.runAndReadAll('SELECT event_id, epoch_ms(occurred_at) AS t, unit_price_minor, quantity FROM read_parquet($f)', { f: file })).getRowObjectsJson();
    reader.closeSync();
    rmSync(file);
    expect(rows).toEqual(inside.map((t) => JSON.parse(t) as { event_id: string; occurred_at: string }).map((e) => ({
      event_id: e.event_id,
      t: String(Date.parse(e.occurred_at)),
      unit_price_minor: '250',
      quantity: 2,
    })));
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
    ['from=yesterday', 'invalid_request'],
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
      await ingestTexts(one.warehouse, events.map((e) => JSON.stringify(e)));
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
