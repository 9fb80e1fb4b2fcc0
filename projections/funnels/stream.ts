import type { TextColumn } from '../../sql/warehouse.ts';
import { EXCLUSION_SHIFT, STEP_MASK } from './definition.ts';

/**
 * Every entity's events in the entity's order, in flat arrays: entity e holds events
 * [offsets[e], offsets[e + 1]). This is what the matcher walks.
 */
export interface EventStream {
  entities: number;
  offsets: Int32Array;
  /** occurred_at, epoch milliseconds. */
  t: Float64Array;
  /** Bit k set: the event matches step k. */
  steps: Int32Array;
  /** Bit x set: the event matches exclusion x. */
  exclusions: Int32Array;
  /**
   * Events next to each other in the order with the same occurred_at share a moment: they happened
   * together, and the funnel may take them in any order. Numbered from 0 within each entity.
   */
  moment: Int32Array;
  /** The row of `values` holding the breakdown value of events that can start an attempt, else -1. */
  valueRow: Int32Array;
  values: TextColumn;
  /** Per entity: 1 when occurred_at never decreases along its order (always so unless ordered by sequence). */
  monotone: Uint8Array;
}

/**
 * Rows as the warehouse returns them (funnel_*_events.sql): on DuckDB unordered, one per event and
 * matching definition; on ClickHouse one per event, grouped by entity and in order (`groups`).
 */
export type EventRows = UnorderedRows | GroupedRows;

/** Each entity's events in its order, one row each: entity e holds rows [groups[e], groups[e + 1]). */
export interface GroupedRows {
  rows: number;
  groups: Int32Array;
  t: Float64Array;
  bits: Float64Array;
  breakdown: TextColumn;
}

export interface UnorderedRows {
  rows: number;
  /** The entity, numbered 0, 1, … */
  entity: Float64Array;
  /** The event's sequence when its cart orders by sequence, else -1. */
  seq: Float64Array;
  t: Float64Array;
  /** Step bits | exclusion bits << EXCLUSION_SHIFT. */
  bits: Float64Array;
  /** Identifies the event: rows of one event matching several definitions share it. */
  rid: Float64Array;
  /** The event's breakdown value (null when none, or when no breakdown was asked for). */
  breakdown: TextColumn;
}

/** The breakdown value of event i of a stream (null: none, or the event cannot start an attempt). */
export function breakdownAt(s: EventStream, i: number): string | null {
  const row = s.valueRow[i]!;
  return row < 0 ? null : s.values.get(row);
}

/** A text column over an array, for rows built in memory. */
export function textColumn(values: readonly (string | null)[]): TextColumn {
  return { length: values.length, get: (row) => values[row] ?? null };
}

/**
 * Groups rows by entity and puts each entity's events in order: by seq, then occurred_at. Rows of one
 * event are merged. Events of an entity with equal seq and occurred_at fall in one moment, so the order
 * among them (event_id, in the cart model) cannot change an answer and is not needed here.
 * Rows that come grouped already (each entity's rows together and in that order: ClickHouse says where
 * each entity's rows begin; DuckDB's may happen to) take one linear pass, their entities numbered in the
 * order they come. Others (DuckDB's come unordered: an ORDER BY in the engine cost more than this sort,
 * see funnel_cart_events.sql) are sorted here, by a counting sort over typed arrays.
 */
export function buildStream(r: EventRows, startBits: number): EventStream {
  if ('groups' in r) return merge(r, r.groups, null, null, startBits);
  let numbered = 0;
  for (let i = 0; i < r.rows; i++) if (r.entity[i]! >= numbered) numbered = r.entity[i]! + 1;

  const order = new Int32Array(r.rows);
  let starts: Int32Array;
  const runs = groupedRuns(r, numbered);
  if (runs !== null) {
    for (let i = 0; i < r.rows; i++) order[i] = i;
    starts = runs;
  } else {
    const entities = numbered;
    starts = new Int32Array(entities + 1);
    for (let i = 0; i < r.rows; i++) starts[r.entity[i]! + 1]! += 1;
    for (let e = 0; e < entities; e++) starts[e + 1]! += starts[e]!;
    // Counting sort of the rows by entity, then each entity's rows by (seq, t, rid).
    const fill = starts.slice(0, entities);
    for (let i = 0; i < r.rows; i++) order[fill[r.entity[i]!]!++] = i;
    for (let e = 0; e < entities; e++) sortRange(order, starts[e]!, starts[e + 1]!, r);
  }

  return merge(r, starts, order, r.rid, startBits);
}

/**
 * Merges rows of one event (equal rid, next to each other; rid null: every row its own event); numbers
 * moments; notes entities whose clock goes backwards. Entity e is rows order[starts[e]] … order[starts[e
 * + 1] - 1] (order null: rows starts[e] … starts[e + 1] - 1).
 */
function merge(r: EventRows, starts: Int32Array, order: Int32Array | null, rid: Float64Array | null, startBits: number): EventStream {
  const entities = starts.length - 1;
  const offsets = new Int32Array(entities + 1);
  const t = new Float64Array(r.rows);
  const steps = new Int32Array(r.rows);
  const exclusions = new Int32Array(r.rows);
  const moment = new Int32Array(r.rows);
  const valueRow = new Int32Array(r.rows);
  const monotone = new Uint8Array(entities);
  const { bits: rowBits, t: times } = r;
  let n = 0;
  for (let e = 0; e < entities; e++) {
    const first = n;
    offsets[e] = first;
    let m = -1;
    let up = 1;
    let lastRid = NaN;
    let lastTime = NaN;
    for (let j = starts[e]!, end = starts[e + 1]!; j < end; j++) {
      const row = order === null ? j : order[j]!;
      const bits = rowBits[row]! | 0;
      const id = rid === null ? j : rid[row]!;
      if (id === lastRid) {
        steps[n - 1]! |= bits & STEP_MASK;
        exclusions[n - 1]! |= bits >>> EXCLUSION_SHIFT;
        if (valueRow[n - 1]! < 0 && (bits & startBits) !== 0) valueRow[n - 1] = row;
        continue;
      }
      const time = times[row]!;
      if (n === first || time !== lastTime) m += 1;
      if (n > first && time < lastTime) up = 0;
      t[n] = time;
      steps[n] = bits & STEP_MASK;
      exclusions[n] = bits >>> EXCLUSION_SHIFT;
      moment[n] = m;
      valueRow[n] = (bits & startBits) !== 0 ? row : -1;
      lastRid = id;
      lastTime = time;
      n += 1;
    }
    monotone[e] = up;
  }
  offsets[entities] = n;
  return {
    entities,
    offsets,
    t: t.subarray(0, n),
    steps: steps.subarray(0, n),
    exclusions: exclusions.subarray(0, n),
    moment: moment.subarray(0, n),
    valueRow: valueRow.subarray(0, n),
    values: r.breakdown,
    monotone,
  };
}

/**
 * When every entity's rows come together (one run each, in any order of entities) and each run is in
 * order by (seq, t, rid): where the runs start, and end (rows). Else null.
 */
function groupedRuns(r: UnorderedRows, numbered: number): Int32Array | null {
  const { entity, seq, t, rid } = r;
  const seen = new Uint8Array(numbered);
  // One run per entity at most, so `numbered` + 1 bounds.
  const bounds = new Int32Array(numbered + 1);
  let runs = 0;
  for (let i = 0; i < r.rows; i++) {
    const e = entity[i]!;
    if (i === 0 || e !== entity[i - 1]) {
      if (seen[e] === 1) return null;
      seen[e] = 1;
      bounds[runs++] = i;
      continue;
    }
    const s = seq[i]!;
    const sb = seq[i - 1]!;
    if (s < sb || (s === sb && (t[i]! < t[i - 1]! || (t[i] === t[i - 1] && rid[i]! < rid[i - 1]!)))) return null;
  }
  bounds[runs] = r.rows;
  return bounds.subarray(0, runs + 1);
}

/** Sorts order[lo, hi) by (seq, t, rid): insertion sort for the usual handful of events, the engine's beyond. */
function sortRange(order: Int32Array, lo: number, hi: number, r: UnorderedRows): void {
  const { seq, t, rid } = r;
  if (hi - lo > 32) {
    order.subarray(lo, hi).sort((a, b) => seq[a]! - seq[b]! || t[a]! - t[b]! || rid[a]! - rid[b]!);
    return;
  }
  for (let i = lo + 1; i < hi; i++) {
    const x = order[i]!;
    const xs = seq[x]!;
    const xt = t[x]!;
    const xr = rid[x]!;
    let j = i - 1;
    for (; j >= lo; j--) {
      const y = order[j]!;
      const ys = seq[y]!;
      if (ys < xs || (ys === xs && (t[y]! < xt || (t[y] === xt && rid[y]! <= xr)))) break;
      order[j + 1] = y;
    }
    order[j + 1] = x;
  }
}
