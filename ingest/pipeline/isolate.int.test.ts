import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../sql/warehouse.ts';
import { tempClickHouse } from '../../test/support/tempClickHouse.ts';
import { tempDuckDb } from '../../test/support/tempStore.ts';
import { validExamples } from '../contract/examples.ts';
import { writeIsolating } from './isolate.ts';
import { processMessage, type AcceptedEvent } from './process.ts';

const base = JSON.parse(validExamples().find((e) => e.name === 'item_added')!.text) as Record<string, unknown>;
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function accepted(n: number): AcceptedEvent {
  const text = JSON.stringify({ ...base, event_id: id(n), cart_id: `cart-${n % 7}`, sequence: n });
  const p = processMessage({ raw: Buffer.from(text), source: 'test', sourceRef: `test#${n}`, receivedAtMs: Date.parse('2026-03-05T12:00:00.000Z') });
  if (p.kind !== 'event') throw new Error(`example ${n} is not valid: ${p.rejection.detail}`);
  return p;
}

// Rows the contract now refuses (decode.ts, events.ts), built below it so that the real engines refuse their
// insert: the values that were found to pass the contract before and fail at the warehouse.
function loneSurrogate(n: number): AcceptedEvent {
  const e = accepted(n);
  return { ...e, row: { ...e.row, cart_id: 'cart-\ud800', payload: e.row.payload.replace('"cart_id":"', '"cart_id":"\\ud800') } };
}
function yearMinusOne(n: number): AcceptedEvent {
  const e = accepted(n);
  return { ...e, row: { ...e.row, occurred_at_ms: Date.parse('0000-01-01T00:00:00.000+01:00') } };
}

const engines: [string, () => Promise<{ warehouse: Warehouse; cleanup: () => Promise<void> }>, Record<number, string>][] = [
  // DuckDB casts the payload to JSON, which refuses the lone surrogate; it stores year -1.
  ['duckdb', tempDuckDb, { 13: 'duckdb Conversion' }],
  ['clickhouse (chdb)', () => tempClickHouse('isolate'), { 13: 'clickhouse CANNOT_PARSE_ESCAPE_SEQUENCE (25)', 71: 'clickhouse CANNOT_PARSE_DATETIME (41)' }],
];

describe.each(engines)('a batch the warehouse refuses part of, on %s', (_engine, open, expectedRefusals) => {
  let store: Awaited<ReturnType<typeof open>>;
  beforeAll(async () => {
    store = await open();
  });
  afterAll(async () => {
    await store.cleanup();
  });

  it('is halved until the refused events are alone; those are refused with the engine code, every other event is stored', async () => {
    // given 100 events of which two hold values an engine cannot insert
    const events = Array.from({ length: 100 }, (_, n) => (n === 13 ? loneSurrogate(n) : n === 71 ? yearMinusOne(n) : accepted(n)));

    // when the batch is written with isolation
    let writes = 0;
    const { stored, refused } = await writeIsolating((part) => {
      writes += 1;
      return store.warehouse.writeBatch(
        part.map((e) => e.row),
        [],
      );
    }, events);

    // then exactly the events the engine refused are refused, with reason and code
    const refusedIds = Object.keys(expectedRefusals).map(Number);
    expect(refused.map((r) => ({ ref: r.row.source_ref, reason: r.rejection.reason, detail: r.rejection.detail }))).toEqual(
      refusedIds.map((n) => ({ ref: `test#${n}`, reason: 'warehouse_rejected', detail: `the warehouse refused to store this event: ${expectedRefusals[n]}` })),
    );
    // and kept with their bytes as received
    expect(refused.map((r) => Buffer.from(r.row.payload).toString())).toEqual(refusedIds.map((n) => events[n]!.message.raw.toString()));
    // and every other event is stored once
    expect(stored).toEqual({ inserted: 100 - refusedIds.length, duplicates: 0, rejected: 0 });
    const again = await store.warehouse.writeBatch(
      events.filter((_, n) => !refusedIds.includes(n)).map((e) => e.row),
      [],
    );
    expect(again).toEqual({ inserted: 0, duplicates: 100 - refusedIds.length, rejected: 0 });
    // in a number of writes that grows with log2 of the batch, not with its size
    expect(writes).toBeLessThanOrEqual(1 + 2 * refusedIds.length * Math.ceil(Math.log2(100)));
  });

  it('lets any other error through untouched, so that the batch is retried whole', async () => {
    const down = new Error('connect ECONNREFUSED 127.0.0.1:8123');
    await expect(writeIsolating(() => Promise.reject(down), [accepted(500), accepted(501)])).rejects.toBe(down);
  });
});
