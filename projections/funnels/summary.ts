import { describe, MAX_BREAKDOWN_VALUES, NONE, OTHER, type FunnelDefinition } from './definition.ts';
import type { Outcomes } from './matcher.ts';

export interface StepSummary {
  /** 0-based, as in exclusions' `between`. */
  index: number;
  /** The step (`cart.item_added (category garden)`), or "completed 2 of 3 steps" when unordered. */
  name: string;
  /** The step's event filter; null in unordered funnels, where step k means "k different steps done". */
  type: string | null;
  product_id: string | null;
  category: string | null;
  /** Entities that reached this step (and so every step before it). */
  count: number;
  /** count / previous step's count; null for the first step or when nobody reached the previous one. */
  conversion_from_previous: number | null;
  /** count / first step's count; null when nobody entered. */
  conversion_from_first: number | null;
  /** Over entities that reached this step, the time from the previous step of their counted attempt. */
  median_seconds_from_previous: number | null;
  average_seconds_from_previous: number | null;
}

export interface BreakdownSummary {
  value: string;
  steps: StepSummary[];
}

/**
 * Step counts, conversion rates and times between steps, from the attempt each entity counts with
 * (every counted entity, or the ones listed in `members`).
 */
export function summarize(d: Pick<FunnelDefinition, 'steps' | 'order'>, o: Outcomes, members?: Int32Array): StepSummary[] {
  const n = d.steps.length;
  const size = members ? members.length : o.counted;
  const at = (i: number) => (members ? members[i]! : i);
  const counts = new Array<number>(n).fill(0);
  for (let i = 0; i < size; i++) for (let k = 0; k < o.depth[at(i)]!; k++) counts[k]! += 1;
  const unordered = d.order === 'unordered';
  return d.steps.map((step, k) => {
    const durations = new Float64Array(k === 0 ? 0 : counts[k]!);
    if (k > 0) {
      let j = 0;
      for (let i = 0; i < size; i++) {
        const c = at(i);
        if (o.depth[c]! > k) durations[j++] = o.times[c * n + k]! - o.times[c * n + k - 1]!;
      }
    }
    return {
      index: k,
      name: unordered ? `completed ${k + 1} of ${n} steps` : describe(step),
      type: unordered ? null : step.type,
      product_id: unordered ? null : (step.product_id ?? null),
      category: unordered ? null : (step.category ?? null),
      count: counts[k]!,
      conversion_from_previous: k === 0 ? null : ratio(counts[k]!, counts[k - 1]!),
      conversion_from_first: ratio(counts[k]!, counts[0]!),
      median_seconds_from_previous: durations.length === 0 ? null : median(durations) / 1000,
      average_seconds_from_previous: durations.length === 0 ? null : Math.round(mean(durations)) / 1000,
    };
  });
}

/**
 * The same per breakdown value (the value of each counted attempt's first event; none → "(none)"):
 * the MAX_BREAKDOWN_VALUES values with most entities entering, then "(other)" for the rest together.
 */
export function summarizeByValue(d: Pick<FunnelDefinition, 'steps' | 'order'>, o: Outcomes): BreakdownSummary[] {
  const groups = new Map<string, number[]>();
  for (let i = 0; i < o.counted; i++) {
    const value = o.breakdown[i] ?? NONE;
    let group = groups.get(value);
    if (!group) {
      group = [];
      groups.set(value, group);
    }
    group.push(i);
  }
  const ranked = [...groups.entries()].sort(([va, a], [vb, b]) => b.length - a.length || (va < vb ? -1 : va > vb ? 1 : 0));
  const kept = ranked.slice(0, MAX_BREAKDOWN_VALUES).map(([value, group]) => ({ value, steps: summarize(d, o, Int32Array.from(group)) }));
  const rest = ranked.slice(MAX_BREAKDOWN_VALUES).flatMap(([, group]) => group);
  if (rest.length > 0) kept.push({ value: OTHER, steps: summarize(d, o, Int32Array.from(rest)) });
  return kept;
}

function ratio(a: number, b: number): number | null {
  return b === 0 ? null : Math.round((a / b) * 1e6) / 1e6;
}

function mean(values: Float64Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** The middle value; for an even count, the mean of the two middle ones. Reorders `values`. */
export function median(values: Float64Array): number {
  const mid = values.length >> 1;
  const upper = select(values, mid);
  if (values.length % 2 === 1) return upper;
  // After selection, everything left of mid is ≤ values[mid]: the lower middle is their maximum.
  let lower = -Infinity;
  for (let i = 0; i < mid; i++) if (values[i]! > lower) lower = values[i]!;
  return (lower + upper) / 2;
}

/** Quickselect: puts the k-th smallest value at index k (smaller ones before it) and returns it. */
function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const x = a[i]!;
        a[i] = a[j]!;
        a[j] = x;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k]!;
}
