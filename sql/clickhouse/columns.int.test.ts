import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempClickHouse } from '../../test/support/tempClickHouse.ts';
import type { TextColumn } from '../warehouse.ts';
import type { ClickHouseWarehouse } from './adapter.ts';
import { readColumns } from './columns.ts';

describe('readColumns (ClickHouse)', () => {
  let w: ClickHouseWarehouse;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ warehouse: w, cleanup } = await tempClickHouse('columns'));
  });
  afterAll(async () => cleanup());

  const texts = (c: unknown) => Array.from({ length: (c as TextColumn).length }, (_, i) => (c as TextColumn).get(i));

  it('reads numbers (NULL as NaN) and text, one row each', async () => {
    const { rows, columns, groups } = await readColumns(
      w.client,
      `SELECT toFloat64(number) AS n, if(number = 1, NULL, toUInt32(number * 2)) AS m, toString(number) AS s FROM numbers(3)`,
      {},
    );
    expect(rows).toBe(3);
    expect(groups).toBeUndefined();
    expect([...(columns.n as Float64Array)]).toEqual([0, 1, 2]);
    expect([...(columns.m as Float64Array)]).toEqual([0, NaN, 4]);
    expect(texts(columns.s)).toEqual(['0', '1', '2']);
  });

  it('flattens an answer of arrays across batches, groups saying where each row begins', async () => {
    // given rows 0 … 9 holding number % 4 items each (empty ones included), in batches of 3 rows
    const { rows, columns, groups } = await readColumns(
      w.client,
      `SELECT arrayMap(i -> toFloat64(number * 10 + i), range(number % 4)) AS v,
              arrayMap(i -> toLowCardinality(if(i = 1, NULL, toNullable(toString(number)))), range(number % 4)) AS s
       FROM numbers(10) ORDER BY number SETTINGS max_block_size = 3`,
      {},
    );
    // then every item in turn, row by row
    const sizes = Array.from({ length: 10 }, (_, n) => n % 4);
    const starts = [0];
    for (const k of sizes) starts.push(starts.at(-1)! + k);
    expect([...groups!]).toEqual(starts);
    expect(rows).toBe(groups!.at(-1));
    expect([...(columns.v as Float64Array)]).toEqual(sizes.flatMap((k, n) => Array.from({ length: k }, (_, i) => n * 10 + i)));
    expect(texts(columns.s)).toEqual(sizes.flatMap((k, n) => Array.from({ length: k }, (_, i) => (i === 1 ? null : String(n)))));
  });

  it('answers no rows of arrays as empty columns', async () => {
    const { rows, columns, groups } = await readColumns(
      w.client,
      `SELECT [toFloat64(1)] AS v, [toLowCardinality('a')] AS s FROM numbers(3) WHERE number > 5`,
      {},
    );
    expect(rows).toBe(0);
    expect([...groups!]).toEqual([0]);
    expect((columns.v as Float64Array).length).toBe(0);
    expect((columns.s as TextColumn).length).toBe(0);
  });

  it('refuses arrays beside other columns', async () => {
    await expect(readColumns(w.client, `SELECT [toFloat64(1)] AS v, toFloat64(2) AS n`, {})).rejects.toThrow(/arrays only/);
  });
});
