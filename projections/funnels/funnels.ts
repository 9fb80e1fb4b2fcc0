import type { ParamsOf } from '../../sql/catalogue/index.ts';
import type { Column, TextColumn, Warehouse } from '../../sql/warehouse.ts';
import { EXCLUSION_SHIFT, type EventFilter, type FunnelBreakdown, type FunnelDefinition, type FunnelEntity, type FunnelOrder } from './definition.ts';
import { FunnelMatcher, type MatchSpec, type Outcomes } from './matcher.ts';
import { buildStream, type EventRows } from './stream.ts';
import { summarize, summarizeByValue, type BreakdownSummary, type StepSummary } from './summary.ts';

export interface FunnelReport {
  as_of: string;
  from: string;
  to: string;
  entity: FunnelEntity;
  order: FunnelOrder;
  window_seconds: number;
  steps: StepSummary[];
  exclusions: { type: string; product_id: string | null; category: string | null; between: [number, number] }[];
  /** Entities that started attempts in range, every one of them spoiled by an exclusion: counted at no step. */
  spoiled: number;
  breakdown_by: FunnelBreakdown | null;
  breakdown?: BreakdownSummary[];
  notes: string[];
}

/**
 * A custom funnel on the warehouse: the warehouse finds the events that match a step or an exclusion
 * (funnel_<entity>_events.sql), the matcher (pure, the same whatever the engine) walks each entity's
 * attempts, and the summary counts them.
 */
export async function funnelReport(warehouse: Warehouse, d: FunnelDefinition): Promise<FunnelReport> {
  const outcomes = await matchEntities(warehouse, d);
  const report: FunnelReport = {
    as_of: iso(d.asOfMs),
    from: iso(d.fromMs),
    to: iso(d.toMs),
    entity: d.entity,
    order: d.order,
    window_seconds: d.windowMs / 1000,
    steps: summarize(d, outcomes),
    exclusions: d.exclusions.map((x) => ({
      type: x.type,
      product_id: x.product_id ?? null,
      category: x.category ?? null,
      between: [x.between[0], x.between[1]],
    })),
    spoiled: outcomes.spoiled,
    breakdown_by: d.breakdown ?? null,
    notes: notes(d),
  };
  if (d.breakdown) report.breakdown = summarizeByValue(d, outcomes);
  return report;
}

/**
 * The events the funnel looks at, column by column as the warehouse answers (typed arrays, text decoded
 * on access: no object per row): grouped by entity and in order (ClickHouse), or unordered (DuckDB).
 */
export async function readEventRows(warehouse: Warehouse, d: FunnelDefinition): Promise<EventRows> {
  const params = queryParams(d);
  const { rows, columns, groups } =
    params.until_ms === undefined
      ? await warehouse.queryColumns('funnel_cart_events', params)
      : await warehouse.queryColumns('funnel_customer_events', { ...params, until_ms: params.until_ms });
  if (groups !== undefined) return { rows, groups, t: numbers(columns.t), bits: numbers(columns.bits), breakdown: texts(columns.breakdown) };
  return {
    rows,
    entity: numbers(columns.entity),
    seq: numbers(columns.seq),
    t: numbers(columns.t),
    bits: numbers(columns.bits),
    rid: numbers(columns.rid),
    breakdown: texts(columns.breakdown),
  };
}

/** Every entity that started an attempt in range: the attempt it counts with, or spoiled. */
export async function matchEntities(warehouse: Warehouse, d: FunnelDefinition): Promise<Outcomes> {
  const stream = buildStream(await readEventRows(warehouse, d), startBits(d));
  return new FunnelMatcher(stream, matchSpec(d)).matchAll();
}

/** What the matcher needs of the definition. */
export function matchSpec(d: FunnelDefinition): MatchSpec {
  return {
    order: d.order,
    steps: d.steps.length,
    windowMs: d.windowMs,
    startFromMs: d.fromMs,
    startToMs: d.toMs,
    exclusions: d.exclusions.map((x) => ({ from: x.between[0], to: x.between[1] })),
    breakdown: d.breakdown !== undefined,
  };
}

/** The named query's parameters: the step and exclusion filters as JSON, with one bit each. */
export function queryParams(d: FunnelDefinition): ParamsOf<'funnel_cart_events'> & { until_ms?: number } {
  const defs = new Map<string, { type: string; product_id: string | null; category: string | null; bits: number }>();
  const add = (f: EventFilter, bit: number) => {
    const key = JSON.stringify([f.type, f.product_id ?? null, f.category ?? null]);
    const def = defs.get(key) ?? { type: f.type, product_id: f.product_id ?? null, category: f.category ?? null, bits: 0 };
    def.bits |= bit;
    defs.set(key, def);
  };
  for (const [k, s] of d.steps.entries()) add(s, 1 << k);
  for (const [n, x] of d.exclusions.entries()) add(x, 1 << (EXCLUSION_SHIFT + n));
  const params: ParamsOf<'funnel_cart_events'> & { until_ms?: number } = {
    defs: JSON.stringify([...defs.values()]),
    start_bits: startBits(d),
    all_events: d.order === 'strict',
    breakdown: d.breakdown ?? 'none',
    from_ms: d.fromMs,
    to_ms: d.toMs,
    as_of_ms: d.asOfMs,
  };
  // A customer is ordered by its clock: nothing after the last start's window can take part.
  if (d.entity === 'customer') params.until_ms = Math.min(d.asOfMs, d.toMs + d.windowMs);
  return params;
}

/** The steps whose events start an attempt: the first one; any one when unordered. */
export function startBits(d: FunnelDefinition): number {
  return d.order === 'unordered' ? (1 << d.steps.length) - 1 : 1;
}

function notes(d: FunnelDefinition): string[] {
  const out: string[] = [];
  if (d.entity === 'customer') out.push('entity customer: events without a customer_id (anonymous carts) are not counted');
  if (d.order === 'unordered') out.push('unordered: step k counts entities that did k different steps of the funnel, in any order');
  return out;
}

const iso = (ms: number) => new Date(ms).toISOString();

function numbers(c: Column | undefined): Float64Array {
  if (c instanceof Float64Array) return c;
  throw new TypeError('funnel query: expected a numeric column');
}

function texts(c: Column | undefined): TextColumn {
  if (c !== undefined && !(c instanceof Float64Array)) return c;
  throw new TypeError('funnel query: expected a text column');
}
