/** exportEvents on ClickHouse (chdb in this process): the contract of sql/duckdb/export.int.test.ts. */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rmSync, writeFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleTexts, ingestTexts, itemAdded } from '../../test/support/seed.ts';
import { tempClickHouse } from '../../test/support/tempClickHouse.ts';
import type { QueryError } from '../errors.ts';
import { query } from '../loader.ts';
import { CarrelloError } from '../../errors/carrelloError.ts';

const FROM = Date.parse('2026-03-10T00:00:00.000Z');
const TO = Date.parse('2026-03-11T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const ID = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;

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

let store: Awaited<ReturnType<typeof tempClickHouse>>;
const exportOf = (format: 'ndjson' | 'arrow' | 'parquet', maxRows = 100) => store.warehouse.exportEvents({ fromMs: FROM, toMs: TO }, format, { maxRows });
const bytesOf = async (stream: Readable) => {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(parts);
};

beforeAll(async () => {
  store = await tempClickHouse('export');
  await ingestTexts(store.warehouse, [...exampleTexts(), before, atFrom, pretty, order, lastMs, atTo]);
});
afterAll(() => store.cleanup());

describe('exportEvents on ClickHouse', () => {
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

  it('Arrow: the types of the DuckDB export: money Int64, times TimestampMillisecond UTC, order lines nested', async () => {
    const ex = await exportOf('arrow');
    expect([ex.rows, ex.contentType]).toEqual([4, 'application/vnd.apache.arrow.stream']);
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
      payload: 'Utf8',
    });
    expect(types.order_items).toMatch(/^List<Struct<\{product_id:Utf8, quantity:Int32, unit_price_minor:Int64\}>>$/);
    expect(table.numRows).toBe(4);
    const col = (name: string) => Array.from({ length: table.numRows }, (_, i) => table.getChild(name)!.get(i) as unknown);
    expect(col('event_id')).toEqual([ID(1), ID(2), ID(3), ID(4)]);
    expect(col('occurred_at')).toEqual([FROM, FROM + 3_600_000, FROM + 7_200_000, TO - 1]);
    expect(col('quantity')).toEqual([2, 7, null, 2]);
    expect(table.getChild('unit_price_minor')!.get(0)).toBe(250n);
    expect(table.getChild('total_minor')!.get(2)).toBe(9_000_000_000_123n);
    expect(table.getChild('consent_marketing')!.get(0)).toBe(true);
    expect(table.getChild('payload')!.get(1)).toBe(pretty);
  });

  it('Parquet: written by ClickHouse, read back by DuckDB with the stored rows', async () => {
    const ex = await exportOf('parquet');
    expect([ex.rows, ex.contentType]).toEqual([4, 'application/vnd.apache.parquet']);
    const file = join(tmpdir(), `carrello-ch-export-${process.pid}.parquet`);
    writeFileSync(file, await bytesOf(ex.stream));
    const reader = await (await DuckDBInstance.create(':memory:')).connect();
    try {
      const got = (
        await reader.runAndReadAll(
          'SELECT event_id::VARCHAR AS event_id, epoch_ms(occurred_at) AS t, quantity, total_minor, to_json(order_items)::VARCHAR AS items, payload::VARCHAR AS payload FROM read_parquet($f)',
          { f: file },
        )
      ).getRowObjectsJson();
      expect(got.map((r) => [r.event_id, Number(r.t), r.quantity])).toEqual([
        [ID(1), FROM, 2],
        [ID(2), FROM + 3_600_000, 7],
        [ID(3), FROM + 7_200_000, null],
        [ID(4), TO - 1, 2],
      ]);
      expect(String(got[2]!.total_minor)).toBe('9000000000123');
      expect(JSON.parse(String(got[2]!.items))).toEqual([{ product_id: 'P0009', quantity: 2, unit_price_minor: 250 }]);
      expect(got[1]!.payload).toBe(pretty);
    } finally {
      reader.closeSync();
      rmSync(file, { force: true });
    }
  });

  it('counts before streaming and refuses a range over the row limit', async () => {
    for (const format of ['ndjson', 'arrow', 'parquet'] as const) {
      const err = await exportOf(format, 3).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CarrelloError);
      expect([(err as QueryError).code, (err as QueryError).details]).toEqual(['export_too_large', { rows: 4, limit: 3 }]);
    }
    await expect(exportOf('ndjson', 4)).resolves.toMatchObject({ rows: 4 });
  });

  it('streams no more rows than it counted, whatever is stored after', async () => {
    const ex = await exportOf('ndjson');
    await ingestTexts(store.warehouse, [itemAdded(ID(6), iso(FROM + 60_000))]);
    const lines = (await bytesOf(ex.stream)).toString('utf8').trimEnd().split('\n');
    expect([ex.rows, lines.length]).toEqual([4, 4]);
    expect((await exportOf('ndjson')).rows).toBe(5);
  });

  it('NDJSON and its count read the projection by time, in its order, the granules of the range only', async () => {
    for (const name of ['export_events_count', 'export_events_ndjson']) {
      const plan = await store.warehouse.client
        .query({
          query: `EXPLAIN projections = 1 ${query('clickhouse', name).trimEnd().replace(/;$/, '')}`,
          query_params: { from_ms: FROM, to_ms: TO, limit: 100 },
          format: 'TabSeparatedRaw',
        })
        .then((r) => r.text());
      expect([name, /ReadFromMergeTree \(events_by_time\)/.test(plan)]).toEqual([name, true]);
    }
  });

  it('writes copies of an event not merged yet once, and counts them once', async () => {
    // Given a copy of a stored event in a part of its own, as a retried or raced write leaves it until a merge.
    await store.warehouse.client.command({
      query: `INSERT INTO events SELECT * FROM events WHERE event_id = toUUID({id:String})`,
      query_params: { id: ID(2) },
      clickhouse_settings: { insert_deduplicate: 0 },
    });
    const [copies] = await store.warehouse.rows(`SELECT count() AS n FROM events WHERE event_id = toUUID({id:String})`, { id: ID(2) });
    expect(Number(copies!.n)).toBe(2);
    const ex = await exportOf('ndjson');
    const text = (await bytesOf(ex.stream)).toString('utf8');
    expect(ex.rows).toBe(5);
    expect(
      text
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as { event_id: string }).event_id),
    ).toEqual([ID(1), ID(6), ID(2), ID(3), ID(4)]);
  });

  it('an empty range gives a readable Arrow schema and no NDJSON bytes', async () => {
    const empty = { fromMs: Date.parse('2020-01-01T00:00:00Z'), toMs: Date.parse('2020-01-02T00:00:00Z') };
    const arrow = await store.warehouse.exportEvents(empty, 'arrow', { maxRows: 10 });
    const table = tableFromIPC(await bytesOf(arrow.stream));
    expect([arrow.rows, table.numRows, String(table.schema.fields.find((f) => f.name === 'occurred_at')!.type)]).toEqual([0, 0, 'Timestamp<MILLISECOND, UTC>']);
    const ndjson = await store.warehouse.exportEvents(empty, 'ndjson', { maxRows: 10 });
    expect((await bytesOf(ndjson.stream)).length).toBe(0);
  });

  it('NDJSON orders events of the same millisecond by the text of their event_id, as DuckDB does', async () => {
    // ClickHouse compares UUIDs by their halves swapped: by that order the second id would come first.
    const at = Date.parse('2026-03-20T12:00:00.000Z');
    const ids = ['10000000-0000-4000-8000-000000000002', '20000000-0000-4000-8000-000000000001'];
    await ingestTexts(store.warehouse, [itemAdded(ids[1]!, iso(at)), itemAdded(ids[0]!, iso(at))]);
    const ex = await store.warehouse.exportEvents({ fromMs: at, toMs: at + 1 }, 'ndjson', { maxRows: 10 });
    const lines = (await bytesOf(ex.stream)).toString('utf8').trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { event_id: string }).event_id)).toEqual(ids);
  });
});
