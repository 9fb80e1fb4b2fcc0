import { describe, expect, it } from 'vitest';
import { exportSlices } from './exportSlices.ts';

describe('exportSlices', () => {
  it('cuts [from, to) into consecutive slices of about perSlice events each, covering it exactly', () => {
    expect(exportSlices({ fromMs: 0, toMs: 1_000 }, 10, 4)).toEqual([
      { fromMs: 0, toMs: 333 },
      { fromMs: 333, toMs: 666 },
      { fromMs: 666, toMs: 1_000 },
    ]);
    expect(exportSlices({ fromMs: 0, toMs: 86_400_000 }, 333_000)).toHaveLength(7);
  });

  it('keeps one slice for a small range, and never cuts below a millisecond', () => {
    expect(exportSlices({ fromMs: 5, toMs: 9 }, 0)).toEqual([{ fromMs: 5, toMs: 9 }]);
    expect(exportSlices({ fromMs: 5, toMs: 8 }, 1_000_000, 10)).toEqual([
      { fromMs: 5, toMs: 6 },
      { fromMs: 6, toMs: 7 },
      { fromMs: 7, toMs: 8 },
    ]);
  });
});
