import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TextColumn } from '../warehouse.ts';
import { readColumns } from './columns.ts';

/** readColumns reads vectors' typed arrays directly when it can: it must agree with getItem() everywhere. */
describe('readColumns', () => {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
    connection = await instance.connect();
  });
  afterAll(() => {
    connection.closeSync();
    instance.closeSync();
  });

  const texts = (c: TextColumn) => Array.from({ length: c.length }, (_, i) => c.get(i));

  it('reads numbers of every width, NULL as NaN, across many chunks', async () => {
    // given 5,000 rows (three chunks), with NULLs in one chunk only
    const { rows, columns } = await readColumns(
      await connection.run(`
        SELECT
          CAST(i AS DOUBLE) AS d, CAST(i AS INTEGER) AS n, CAST(i * 1000000000 AS BIGINT) AS b, CAST(i % 100 AS TINYINT) AS tiny,
          CASE WHEN i BETWEEN 4100 AND 4200 AND i % 2 = 0 THEN NULL ELSE i END AS sometimes
        FROM range(5000) t(i)`),
    );
    expect(rows).toBe(5000);
    const d = columns.d as Float64Array;
    expect(d).toBeInstanceOf(Float64Array);
    expect([d[0], d[2047], d[2048], d[4999]]).toEqual([0, 2047, 2048, 4999]);
    expect((columns.n as Float64Array)[4321]).toBe(4321);
    expect((columns.b as Float64Array)[4999]).toBe(4_999_000_000_000);
    expect((columns.tiny as Float64Array)[4321]).toBe(21);
    const sometimes = columns.sometimes as Float64Array;
    expect([sometimes[4099], sometimes[4100], sometimes[4101], sometimes[4200], sometimes[4201]]).toEqual([4099, NaN, 4101, NaN, 4201]);
  });

  it('decodes text on access: all NULL, sparse and dense columns', async () => {
    const { columns } = await readColumns(
      await connection.run(`
        SELECT
          CAST(NULL AS VARCHAR) AS nothing,
          CASE WHEN i % 1000 = 7 THEN 'v' || i END AS sparse,
          'row ' || i AS dense
        FROM range(3000) t(i)`),
    );
    const nothing = columns.nothing as TextColumn;
    expect(nothing.length).toBe(3000);
    expect(texts(nothing).every((v) => v === null)).toBe(true);
    expect(texts(columns.sparse as TextColumn).filter((v) => v !== null)).toEqual(['v7', 'v1007', 'v2007']);
    const dense = columns.dense as TextColumn;
    expect([dense.get(0), dense.get(2047), dense.get(2048), dense.get(2999)]).toEqual(['row 0', 'row 2047', 'row 2048', 'row 2999']);
    expect(() => dense.get(3000)).toThrow(RangeError);
  });

  it('refuses a column that is neither a number nor text', async () => {
    await expect(readColumns(await connection.run(`SELECT TIMESTAMP '2026-03-01 00:00:00' AS at`))).rejects.toThrow(/column at has type TIMESTAMP/);
  });
});
