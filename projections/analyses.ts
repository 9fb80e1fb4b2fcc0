import { ABANDONMENT_COUNTS } from './abandonmentCounts.ts';
import { QUANTITY_DIRECTIONS, type RowOf } from '../sql/catalogue/index.ts';
import type { Warehouse } from '../sql/warehouse.ts';
import { MAX_BREAKDOWN_VALUES, OTHER } from './funnels/definition.ts';
import { convert, convertedColumns, DayAmounts, readRates, type Converted } from './conversion.ts';
import { currencyColumns } from './currencyColumns.ts';
import { addValues } from './replay.ts';

/** The window every analysis takes: carts (or lines) started in [from, to), as they stood at as_of. */
export interface AnalysisWindow {
  from: number;
  to: number;
  as_of: number;
  abandon_ms: number;
  /** The time zone of the answer's days (breakdown `day`): IANA, default UTC. */
  tz?: string;
  /** A reporting currency (ISO 4217): money is also given converted into it (projections/conversion.ts). */
  currency?: string;
}

const ratio = (n: number, d: number): number | null => (d === 0 ? null : n / d);
const iso = (ms: number) => new Date(ms).toISOString();

function header(w: AnalysisWindow) {
  return { as_of: iso(w.as_of), from: iso(w.from), to: iso(w.to), tz: w.tz ?? 'UTC', abandon_after_seconds: w.abandon_ms / 1000 };
}

function params(w: AnalysisWindow) {
  return { as_of_ms: w.as_of, abandon_ms: w.abandon_ms, from_ms: w.from, to_ms: w.to };
}

// ---------------------------------------------------------------- abandonment

export type AbandonmentBreakdown = 'none' | 'channel' | 'campaign' | 'day';

type AbandonmentCounts = Record<(typeof ABANDONMENT_COUNTS)[number], number>;

export interface AbandonmentGroup extends AbandonmentCounts {
  key: string;
  abandoned_value: { currency: string; value_minor: number; carts: number }[];
  /** The abandoned value per currency and local day of abandonment, when asked in a reporting currency. */
  abandoned_days: DayAmounts;
  /** ... and converted into it. */
  abandoned_converted?: Converted;
}

function abandonmentView(g: AbandonmentGroup) {
  return {
    funnel: [
      { step: 'started', carts: g.started, rate_from_previous: null, rate_from_first: g.started > 0 ? 1 : null },
      {
        step: 'checkout_started',
        carts: g.checkout_started,
        rate_from_previous: ratio(g.checkout_started, g.started),
        rate_from_first: ratio(g.checkout_started, g.started),
      },
      { step: 'ordered', carts: g.ordered, rate_from_previous: ratio(g.ordered, g.checkout_started), rate_from_first: ratio(g.ordered, g.started) },
    ],
    conversion_rate: ratio(g.ordered, g.started),
    abandonment_rate: ratio(g.abandoned, g.started),
    abandoned: {
      carts: g.abandoned,
      at_cart: g.abandoned_at_cart,
      at_checkout: g.abandoned_at_checkout,
      value_by_currency: g.abandoned_value,
      ...(g.abandoned_converted ? { value_converted: g.abandoned_converted } : {}),
    },
    open: g.open,
    emptied: g.emptied,
    recovered: g.recovered,
    anomalies: g.anomalies,
  };
}

/** Carts started → checkout started → ordered, with what became of the rest. */
export async function abandonmentFunnel(warehouse: Warehouse, w: AnalysisWindow, breakdown: AbandonmentBreakdown) {
  const query = { ...params(w), breakdown, tz: w.tz ?? 'UTC' };
  const [rows, valueDays] = await Promise.all([
    warehouse.query('abandonment', query),
    w.currency === undefined ? [] : warehouse.query('abandonment_value_days', query),
  ]);
  const groups = new Map<string, AbandonmentGroup>();
  const total = emptyGroup('all');
  for (const r of rows) {
    let g = groups.get(r.key);
    if (!g) {
      g = emptyGroup(r.key);
      groups.set(r.key, g);
    }
    for (const target of [g, total]) {
      for (const c of ABANDONMENT_COUNTS) target[c] += r[c];
      if (r.abandoned > 0) addValue(target, r.currency, r.abandoned_value_minor, r.abandoned);
    }
  }
  for (const r of valueDays) {
    // The same carts as the counts' (both read as of as_of); a key not among them (events stored between the
    // two reads) counts in the total only.
    const g = groups.get(r.key);
    for (const target of g ? [g, total] : [total]) target.abandoned_days.add(r.currency, r.day, r.abandoned_value_minor);
  }
  const breakdownRows = breakdown === 'none' ? [] : capped(breakdown, [...groups.values()]);
  if (w.currency !== undefined) {
    const rates = await readRates(warehouse, w.currency, total.abandoned_days.list());
    for (const g of [total, ...breakdownRows]) g.abandoned_converted = convert(g.abandoned_days.list(), rates);
  }
  const abandonedValue = currencyColumns('abandoned_value_minor', [total.abandoned_value]);
  return {
    json: {
      ...header(w),
      breakdown,
      ...abandonmentView(total),
      ...(breakdown === 'none' ? {} : { breakdown_values: breakdownRows.map((g) => ({ value: g.key, ...abandonmentView(g) })) }),
    },
    table: {
      rows: (breakdown === 'none' ? [total] : breakdownRows).map((g) => ({
        key: g.key,
        ...Object.fromEntries(ABANDONMENT_COUNTS.map((c) => [c, g[c]])),
        conversion_rate: ratio(g.ordered, g.started),
        abandonment_rate: ratio(g.abandoned, g.started),
        ...abandonedValue(g.abandoned_value),
        ...convertedColumns('abandoned_value', g.abandoned_converted),
      })),
    },
  };
}

/**
 * Campaigns are as many as producers send: as in custom funnels (and PostHog), the MAX_BREAKDOWN_VALUES
 * campaigns with most carts started are kept (in key order) and the rest summed up as "(other)".
 * Channels are four; days are bounded by the range (at most 400).
 */
function capped(breakdown: AbandonmentBreakdown, groups: AbandonmentGroup[]): AbandonmentGroup[] {
  if (breakdown !== 'campaign' || groups.length <= MAX_BREAKDOWN_VALUES) return groups;
  const ranked = [...groups].sort((a, b) => b.started - a.started || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const keep = new Set(ranked.slice(0, MAX_BREAKDOWN_VALUES));
  const other = emptyGroup(OTHER);
  for (const g of ranked.slice(MAX_BREAKDOWN_VALUES)) {
    for (const c of ABANDONMENT_COUNTS) other[c] += g[c];
    for (const v of g.abandoned_value) addValue(other, v.currency, v.value_minor, v.carts);
    other.abandoned_days.addAll(g.abandoned_days);
  }
  return [...groups.filter((g) => keep.has(g)), other];
}

function emptyGroup(key: string): AbandonmentGroup {
  const g = { key, abandoned_value: [], abandoned_days: new DayAmounts() } as unknown as AbandonmentGroup;
  for (const c of ABANDONMENT_COUNTS) g[c] = 0;
  return g;
}

function addValue(g: AbandonmentGroup, currency: string, value: number, carts: number) {
  const v = g.abandoned_value.find((x) => x.currency === currency);
  if (v) {
    v.value_minor = addValues(v.value_minor, value);
    v.carts += carts;
  } else {
    g.abandoned_value.push({ currency, value_minor: value, carts });
    g.abandoned_value.sort((a, b) => (a.currency < b.currency ? -1 : 1));
  }
}

// ---------------------------------------------------------------- removals

export type LineGroup = 'product' | 'category';

const REMOVAL_COUNTS = [
  'lines_added',
  'lines_removed',
  'removed_before_checkout',
  'removed_after_checkout',
  'readded',
  'kept',
  'kept_purchased',
  'kept_abandoned',
  'kept_open',
  'units_added',
  'units_removed',
] as const;

type RemovalCounts = Pick<RowOf<'removal'>, (typeof REMOVAL_COUNTS)[number] | 'median_ms_to_removal'>;
const NO_REMOVALS: RemovalCounts = {
  ...(Object.fromEntries(REMOVAL_COUNTS.map((c) => [c, 0])) as Record<(typeof REMOVAL_COUNTS)[number], number>),
  median_ms_to_removal: null,
};

function removalRow(r: RemovalCounts) {
  const counts = Object.fromEntries(REMOVAL_COUNTS.map((c) => [c, r[c]])) as Record<(typeof REMOVAL_COUNTS)[number], number>;
  const median = r.median_ms_to_removal;
  return {
    ...counts,
    removal_rate: ratio(counts.lines_removed, counts.lines_added),
    median_seconds_to_removal: median === null ? null : median / 1000,
  };
}

export type RemovalBreakdown = 'none' | 'day';

/**
 * Per cart line first added in range: added → removed (before / after checkout) → re-added; kept →
 * purchased / abandoned / open. By product or category, or with breakdown 'day' per local day (w.tz) of the first
 * add; `item` keeps the lines of one product (or category) only.
 */
export async function removalFunnel(
  warehouse: Warehouse,
  w: AnalysisWindow,
  opts: { group: LineGroup; min_adds: number; limit: number; breakdown?: RemovalBreakdown; item?: string | null },
) {
  const breakdown = opts.breakdown ?? 'none';
  const item = opts.item ?? null;
  const rows = await warehouse.query('removal', { ...params(w), group: opts.group, breakdown, item: item ?? '', tz: w.tz ?? 'UTC' });
  const overall = rows.find((r) => r.key === null);
  const totals = removalRow(overall ?? NO_REMOVALS);
  const keyed = rows.flatMap((r) => (r.key === null ? [] : [{ ...r, key: r.key }]));
  if (breakdown === 'day') {
    const days = keyed.map((r) => ({ day: r.key, ...removalRow(r) }));
    return { json: { ...header(w), group: opts.group, breakdown, item, totals, days }, table: { rows: days } };
  }
  const groups = keyed
    .map((r) => ({
      key: r.key,
      ...(opts.group === 'product' ? { name: r.name, category: r.category } : {}),
      ...removalRow(r),
    }))
    .filter((g) => g.lines_added >= opts.min_adds)
    .sort((a, b) => (b.removal_rate ?? 0) - (a.removal_rate ?? 0) || b.lines_added - a.lines_added || (a.key < b.key ? -1 : 1))
    .slice(0, opts.limit);
  return {
    json: { ...header(w), group: opts.group, min_adds: opts.min_adds, totals, ...(opts.group === 'product' ? { products: groups } : { categories: groups }) },
    table: { rows: groups.map(({ key, ...g }) => ({ [opts.group]: key, ...g })) },
  };
}

// ---------------------------------------------------------------- quantity changes

const DIRECTIONS = QUANTITY_DIRECTIONS;
type Direction = (typeof DIRECTIONS)[number];

interface DirectionStats {
  lines: number;
  units_delta: number;
  purchased: number;
  purchase_rate: number | null;
}

const noStats = (): DirectionStats => ({ lines: 0, units_delta: 0, purchased: 0, purchase_rate: null });

/** Lines by net quantity change (final vs first added) and what each group goes on to buy. */
export async function quantityFunnel(warehouse: Warehouse, w: AnalysisWindow, opts: { group: LineGroup; limit: number }) {
  const rows = await warehouse.query('quantity', { ...params(w), group: opts.group });
  const totals = Object.fromEntries(DIRECTIONS.map((d) => [d, noStats()])) as Record<Direction, DirectionStats>;
  const groups = new Map<string, { key: string; name?: string | null; lines: number } & Record<Direction, DirectionStats>>();
  for (const r of rows) {
    const d = r.direction;
    const stats: DirectionStats = { lines: r.lines, units_delta: r.units_delta, purchased: r.purchased, purchase_rate: ratio(r.purchased, r.lines) };
    if (r.key === null) {
      totals[d] = stats;
      continue;
    }
    const key = r.key;
    let g = groups.get(key);
    if (!g) {
      g = {
        key,
        ...(opts.group === 'product' ? { name: r.name } : {}),
        lines: 0,
        ...(Object.fromEntries(DIRECTIONS.map((x) => [x, noStats()])) as Record<Direction, DirectionStats>),
      };
      groups.set(key, g);
    }
    g[d] = stats;
    g.lines += stats.lines;
  }
  const ranked = [...groups.values()]
    .sort((a, b) => b.increased.lines + b.decreased.lines - (a.increased.lines + a.decreased.lines) || b.lines - a.lines || (a.key < b.key ? -1 : 1))
    .slice(0, opts.limit);
  return {
    json: { ...header(w), group: opts.group, totals, ...(opts.group === 'product' ? { products: ranked } : { categories: ranked }) },
    table: {
      rows: ranked.flatMap((g) =>
        DIRECTIONS.map((d) => ({
          [opts.group]: g.key,
          ...(g.name !== undefined ? { name: g.name } : {}),
          direction: d,
          lines: g[d].lines,
          units_delta: g[d].units_delta,
          purchased: g[d].purchased,
          purchase_rate: g[d].purchase_rate,
        })),
      ),
    },
  };
}
