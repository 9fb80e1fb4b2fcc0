import { describe, expect, it } from 'vitest';
import { median } from './summary.ts';

describe('median', () => {
  it('is the middle value, or the mean of the two middle ones', () => {
    expect(median(Float64Array.from([5]))).toBe(5);
    expect(median(Float64Array.from([9, 1, 5]))).toBe(5);
    expect(median(Float64Array.from([9, 1, 5, 3]))).toBe(4);
    expect(median(Float64Array.from([2, 2, 2, 7, 7, 7]))).toBe(4.5);
  });

  it('agrees with sorting, on values with many ties', () => {
    for (let n = 1; n < 200; n++) {
      const values = Float64Array.from({ length: n }, (_, i) => ((i * 7919) % 13) - 6);
      const sorted = values.slice().sort();
      const want = n % 2 ? sorted[n >> 1]! : (sorted[(n >> 1) - 1]! + sorted[n >> 1]!) / 2;
      expect(median(values)).toBe(want);
    }
  });
});
