import type { TimeRange } from './warehouse.ts';

/**
 * Events per slice of an NDJSON export, about: the engine reads and sorts one slice before its first line
 * leaves (and chdb, which hands over whole results, holds one slice in memory, not the range).
 */
export const SLICE_EVENTS = 50_000;

/**
 * The range in consecutive slices of time, each holding about SLICE_EVENTS of its `rows` events if they
 * were spread evenly: [from, to) = [s0, s1) ∪ [s1, s2) ∪ …, so their lines in turn are the range's, in
 * (occurred_at, event_id) order.
 */
export function exportSlices(range: TimeRange, rows: number, perSlice = SLICE_EVENTS): TimeRange[] {
  const span = range.toMs - range.fromMs;
  const count = Math.max(1, Math.min(Math.ceil(rows / perSlice), span));
  const slices: TimeRange[] = [];
  for (let i = 0; i < count; i++) {
    slices.push({
      fromMs: range.fromMs + Math.floor((span * i) / count),
      toMs: i === count - 1 ? range.toMs : range.fromMs + Math.floor((span * (i + 1)) / count),
    });
  }
  return slices;
}
