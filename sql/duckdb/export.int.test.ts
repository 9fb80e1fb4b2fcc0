import { once } from 'node:events';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleTexts, ingestTexts, itemAdded } from '../../test/support/seed.ts';
import { tempDuckDb } from '../../test/support/tempStore.ts';
import type { QueryError } from '../errors.ts';
import { CarrelloError } from '../../errors/carrelloError.ts';

const FROM = Date.parse('2026-03-10T00:00:00.000Z');
const TO = Date.parse('2026-03-11T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const ID = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;

// Given events on both sides of each boundary of [FROM, TO), one of them pretty-printed over several lines.
const before = itemAdded(ID(0), iso(FROM - 1));
const atFrom = itemAdded(ID(1), iso(FROM), { consent: { marketing: true } });
const pretty = JSON.stringify(JSON.parse(itemAdded(ID(2), iso(FROM + 3_600_000), { quantity: 7 })), null, 2);
const order = JSON.stringify({
  ...JSON.parse(itemAdded(ID(3), iso(FROM + 7_200_000))),
  type: 'order.placed',
  item: undefined,
  quantity: undefined,
  order_id: 'ord-9',
  total_minor: 9_000_000_000_123,
  items: [{ product_id: 'P0009', quantity: 2, unit_price_minor: 250 }],
});
const lastMs = itemAdded(ID(4), iso(TO - 1));
const atTo = itemAdded(ID(5), iso(TO));
const INSIDE = [atFrom, pretty, order, lastMs];

let store: Awaited<ReturnType<typeof tempDuckDb>>;
const exportOf = (format: 'ndjson' | 'arrow' | 'parquet', maxRows = 100) => store.warehouse.exportEvents({ fromMs: FROM, toMs: TO }, format, { maxRows });
const bytesOf = async (stream: Readable) => {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(parts);
};

beforeAll(async () => {
  store = await tempDuckDb();
  await ingestTexts(store.warehouse, [...exampleTexts(), before, atFrom, pretty, order, lastMs, atTo]);
});
afterAll(() => store.cleanup());

describe('exportEvents on DuckDB', () => {
  it('NDJSON: one stored payload per line, [from, to) in time order, line breaks of a payload turned to spaces', async () => {
    const ex = await exportOf('ndjson');
    expect([ex.rows, ex.contentType]).toEqual([4, 'application/x-ndjson']);
    const text = (await bytesOf(ex.stream)).toString('utf8');
    expect(text).toBe(`${[atFrom, pretty.replace(/\n/g, ' '), order, lastMs].join('\n')}\n`);
    expect(
      text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
    ).toEqual(INSIDE.map((t) => JSON.parse(t) as unknown));
  });

  it('Arrow: typed columns, money Int64, times TimestampMillisecond UTC, order lines nested', async () => {
    const ex = await exportOf('arrow');
    const table = tableFromIPC(await bytesOf(ex.stream));
    const types = Object.fromEntries(table.schema.fields.map((f) => [f.name, String(f.type)]));
    expect(types).toMatchObject({
      event_id: 'Utf8',
      type: 'Utf8',
      schema_version: 'Int32',
      occurred_at: 'Timestamp<MILLISECOND, UTC>',
      received_at: 'Timestamp<MILLISECOND, UTC>',
      consent_marketing: 'Bool',
      unit_price_minor: 'Int64',
      quantity: 'Int32',
      total_minor: 'Int64',
      order_items: 'List<Struct<{product_id:Utf8, quantity:Int32, unit_price_minor:Int64}>>',
      payload: 'Utf8',
    });
    expect(table.numRows).toBe(4);
    const col = (name: string) => Array.from({ length: table.numRows }, (_, i) => table.getChild(name)!.get(i) as unknown);
    expect(col('event_id')).toEqual([ID(1), ID(2), ID(3), ID(4)]);
    expect(col('occurred_at')).toEqual([FROM, FROM + 3_600_000, FROM + 7_200_000, TO - 1]);
    expect(col('quantity')).toEqual([2, 7, null, 2]);
    expect(table.getChild('unit_price_minor')!.get(0)).toBe(250n);
    expect(table.getChild('total_minor')!.get(2)).toBe(9_000_000_000_123n);
    expect(table.getChild('consent_marketing')!.get(0)).toBe(true);
    expect(
      table
        .getChild('order_items')!
        .get(2)!
        .toArray()
        .map((s: { toJSON(): unknown }) => s.toJSON()),
    ).toEqual([{ product_id: 'P0009', quantity: 2, unit_price_minor: 250n }]);
    expect(table.getChild('payload')!.get(1)).toBe(pretty);
  });

  it('Parquet: written by DuckDB, read back by DuckDB equal to the stored rows; the temporary file is gone', async () => {
    const ex = await exportOf('parquet');
    expect([ex.rows, ex.contentType]).toEqual([4, 'application/vnd.apache.parquet']);
    const file = join(store.path, '..', 'received.parquet');
    writeFileSync(file, await bytesOf(ex.stream));
    expect(readdirSync(store.warehouse.exportDir)).toEqual([]);

    // A test-owned DuckDB, not the store's: it may read any file.
    const reader = await (await DuckDBInstance.create(':memory:')).connect();
    const columns = `event_id::VARCHAR AS event_id, type, epoch_ms(occurred_at) AS occurred_at_ms, typeof(occurred_at) AS time_type,
      unit_price_minor, quantity, total_minor, to_json(order_items)::VARCHAR AS order_items, payload::VARCHAR AS payload`;
    const got = (await reader.runAndReadAll(`SELECT ${columns} FROM read_parquet($f)`, { f: file })).getRowObjectsJson();
    reader.closeSync();
    const stored = await store.warehouse.all(
      `SELECT ${columns.replace('typeof(occurred_at)', "'TIMESTAMP WITH TIME ZONE'")} FROM events
       WHERE occurred_at >= epoch_ms(${FROM}) AND occurred_at < epoch_ms(${TO}) ORDER BY occurred_at, event_id`,
    );
    expect(got).toEqual(stored);
    expect(got.map((r) => r.event_id)).toEqual([ID(1), ID(2), ID(3), ID(4)]);
  });

  it('counts before streaming and refuses a range over the row limit, writing nothing', async () => {
    for (const format of ['ndjson', 'arrow', 'parquet'] as const) {
      const err = await exportOf(format, 3).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CarrelloError);
      expect([(err as QueryError).code, (err as QueryError).details]).toEqual(['export_too_large', { rows: 4, limit: 3 }]);
    }
    expect(readdirSync(store.warehouse.exportDir)).toEqual([]);
    await expect(exportOf('ndjson', 4)).resolves.toMatchObject({ rows: 4 });
  });

  it('streams the snapshot it counted, whatever is stored after', async () => {
    const ex = await exportOf('ndjson');
    await ingestTexts(store.warehouse, [itemAdded(ID(6), iso(FROM + 60_000))]);
    const lines = (await bytesOf(ex.stream)).toString('utf8').trimEnd().split('\n');
    expect([ex.rows, lines.length]).toEqual([4, 4]);
    expect((await exportOf('ndjson')).rows).toBe(5);
  });

  it('an empty range still gives a readable Arrow schema and an empty Parquet file', async () => {
    const empty = { fromMs: Date.parse('2020-01-01T00:00:00Z'), toMs: Date.parse('2020-01-02T00:00:00Z') };
    const arrow = await store.warehouse.exportEvents(empty, 'arrow', { maxRows: 10 });
    const table = tableFromIPC(await bytesOf(arrow.stream));
    expect([arrow.rows, table.numRows, String(table.schema.fields.find((f) => f.name === 'occurred_at')!.type)]).toEqual([0, 0, 'Timestamp<MILLISECOND, UTC>']);
    const ndjson = await store.warehouse.exportEvents(empty, 'ndjson', { maxRows: 10 });
    expect((await bytesOf(ndjson.stream)).length).toBe(0);
  });

  it('a stream given up by its reader frees its file and connection', async () => {
    const parquet = await exportOf('parquet');
    expect(readdirSync(store.warehouse.exportDir)).toHaveLength(1);
    parquet.stream.destroy();
    await once(parquet.stream, 'close');
    expect(readdirSync(store.warehouse.exportDir)).toEqual([]);
    const arrow = await exportOf('arrow');
    arrow.stream.destroy();
    await once(arrow.stream, 'close');
    await expect(store.warehouse.all('SELECT count(*)::INT AS n FROM events')).resolves.toEqual([{ n: 14 }]);
  });
});
