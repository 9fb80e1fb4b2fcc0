import { describe, expect, it } from 'vitest';
import { fitLine, type RowsRead } from './rowsRead.ts';

const point = (rows: number, ms: number): RowsRead => ({ engine: 'duckdb', store: '1M', query: 'q', rows_read: rows, result_rows: 1, p50_ms: ms });

describe('the rows-read fit', () => {
  it('gives the line through points on a line: intercept, ms per million rows, r² 1', () => {
    const f = fitLine([point(1_000_000, 25), point(3_000_000, 65), point(10_000_000, 205)]);
    expect(f.a_ms).toBeCloseTo(5, 10);
    expect(f.ms_per_million_rows).toBeCloseTo(20, 10);
    expect(f.r2).toBeCloseTo(1, 10);
    expect(f.n).toBe(3);
  });

  it('fits the least-squares line through scattered points', () => {
    const f = fitLine([point(0, 10), point(1_000_000, 10), point(2_000_000, 40)]);
    expect(f.ms_per_million_rows).toBeCloseTo(15, 10);
    expect(f.a_ms).toBeCloseTo(5, 10);
    expect(f.r2).toBeCloseTo(0.75, 10);
  });
});
