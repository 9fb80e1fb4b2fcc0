import { RECOVERY_DIMS } from '../sql/catalogue/index.ts';
import type { Warehouse } from '../sql/warehouse.ts';
import { MAX_BREAKDOWN_VALUES } from './funnels/definition.ts';
import { convert, convertedColumns, DayAmounts, readRates, type Converted } from './conversion.ts';
import { currencyColumns } from './currencyColumns.ts';
import { addValues } from './replay.ts';

/**
 * The recovery report for campaign managers (GET /v1/funnels/recovery; docs/metrics.md, "Recovery report"):
 * the abandonment episodes of [from, to) as the announcement log knew them at as_of, abandoned → announced
 * → reactivated → recovered, aggregated on the engine (recovery.sql) and shaped here.
 */

export interface RecoveryWindow {
  from: number;
  to: number;
  as_of: number;
  /** The time zone of the local days whose exchange rates convert (with `currency`): IANA, default UTC. */
  tz?: string;
  /** A reporting currency (ISO 4217): values are also given converted into it (projections/conversion.ts). */
  currency?: string;
}

export interface CurrencyValue {
  currency: string;
  value_minor: number;
  episodes: number;
}

interface Group {
  episodes: number;
  announced: number;
  reactivated: number;
  recovered: number;
  via_other_cart: number;
  median_ms_since_abandoned: number | null;
  abandoned_value: CurrencyValue[];
  recovered_value: CurrencyValue[];
  /** The values per currency and local day, when asked in a reporting currency; and converted into it. */
  abandoned_days: DayAmounts;
  recovered_days: DayAmounts;
  abandoned_converted?: Converted;
  recovered_converted?: Converted;
}

const DIMS = RECOVERY_DIMS;
type Dim = (typeof DIMS)[number];

const ratio = (n: number, d: number): number | null => (d === 0 ? null : n / d);
const iso = (ms: number) => new Date(ms).toISOString();
const emptyGroup = (): Group => ({
  episodes: 0,
  announced: 0,
  reactivated: 0,
  recovered: 0,
  via_other_cart: 0,
  median_ms_since_abandoned: null,
  abandoned_value: [],
  recovered_value: [],
  abandoned_days: new DayAmounts(),
  recovered_days: new DayAmounts(),
});

export async function recoveryReport(warehouse: Warehouse, w: RecoveryWindow) {
  const [rows, [cursor]] = await Promise.all([
    warehouse.query('recovery', {
      from_ms: w.from,
      to_ms: w.to,
      as_of_ms: w.as_of,
      max_campaigns: MAX_BREAKDOWN_VALUES,
      value_days: w.currency !== undefined,
      tz: w.tz ?? 'UTC',
    }),
    warehouse.query('lifecycle_cursor'),
  ]);
  const groups = new Map<Dim, Map<string, Group>>(DIMS.map((d) => [d, new Map()]));
  for (const r of rows) {
    const byKey = groups.get(r.dim)!;
    const key = r.key;
    let g = byKey.get(key);
    if (!g) {
      g = emptyGroup();
      byKey.set(key, g);
    }
    if (r.part === 'episodes') {
      g.episodes = r.episodes;
      g.announced = r.announced;
      g.reactivated = r.reactivated;
      g.recovered = r.recovered;
      g.via_other_cart = r.via_other_cart;
      g.median_ms_since_abandoned = r.median_ms_to_recovery;
    } else {
      // Rows come by currency in order (by day within it, when asked in a reporting currency); several
      // currencies are never added up.
      const values = r.part === 'abandoned_value' ? g.abandoned_value : g.recovered_value;
      const held = values[values.length - 1];
      if (held?.currency === r.currency) {
        held.value_minor = addValues(held.value_minor, r.value_minor);
        held.episodes += r.episodes;
      } else values.push({ currency: r.currency, value_minor: r.value_minor, episodes: r.episodes });
      if (r.day != null) (r.part === 'abandoned_value' ? g.abandoned_days : g.recovered_days).add(r.currency, r.day, r.value_minor);
    }
  }
  const all = groups.get('all')!.get('all') ?? emptyGroup();
  if (w.currency !== undefined) {
    const rates = await readRates(warehouse, w.currency, [...all.abandoned_days.list(), ...all.recovered_days.list()]);
    for (const g of [...groups.values()].flatMap((byKey) => [...byKey.values()])) {
      g.abandoned_converted = convert(g.abandoned_days.list(), rates);
      g.recovered_converted = convert(g.recovered_days.list(), rates);
    }
  }
  const list = (dim: Dim) => [...groups.get(dim)!].map(([value, g]) => ({ value, ...g }));
  const breakdown = (dim: 'stage' | 'channel') => list(dim).map(groupView);
  const announcedSplit = (key: 'announced' | 'not_announced') => {
    const g = groups.get('announced')!.get(key) ?? emptyGroup();
    return {
      episodes: g.episodes,
      recovered: g.recovered,
      recovery_rate: ratio(g.recovered, g.episodes),
      recovered_value_by_currency: g.recovered_value,
      ...converted('recovered_value', g.recovered_converted),
    };
  };
  const byCampaign = list('campaign').map((g) => ({
    value: g.value,
    reactivated: g.reactivated,
    announced: g.announced,
    recovered: g.recovered,
    via_other_cart: g.via_other_cart,
    recovered_value_by_currency: g.recovered_value,
    ...converted('recovered_value', g.recovered_converted),
    median_ms_since_abandoned: g.median_ms_since_abandoned,
  }));
  const watermark = cursor?.watermark_ms ?? null;
  // value_converted is undefined, so left out of the JSON, unless asked in a reporting currency.
  const json = {
    as_of: iso(w.as_of),
    from: iso(w.from),
    to: iso(w.to),
    // Where detection stands now: abandonments after this instant are not in the log yet.
    settled_through: watermark === null ? null : iso(watermark),
    steps: [
      {
        step: 'abandoned',
        episodes: all.episodes,
        rate_from_abandoned: all.episodes > 0 ? 1 : null,
        value_by_currency: all.abandoned_value,
        value_converted: all.abandoned_converted,
      },
      { step: 'announced', episodes: all.announced, rate_from_abandoned: ratio(all.announced, all.episodes) },
      { step: 'reactivated', episodes: all.reactivated, rate_from_abandoned: ratio(all.reactivated, all.episodes) },
      {
        step: 'recovered',
        episodes: all.recovered,
        rate_from_abandoned: ratio(all.recovered, all.episodes),
        via_other_cart: all.via_other_cart,
        value_by_currency: all.recovered_value,
        value_converted: all.recovered_converted,
        median_ms_since_abandoned: all.median_ms_since_abandoned,
      },
    ],
    announced_vs_not: { announced: announcedSplit('announced'), not_announced: announcedSplit('not_announced') },
    by_stage: breakdown('stage'),
    by_channel: breakdown('channel'),
    by_campaign: byCampaign,
  };
  return { json, table: tableRows(all, list) };
}

function groupView(g: Group & { value: string }) {
  return {
    value: g.value,
    abandoned: g.episodes,
    announced: g.announced,
    reactivated: g.reactivated,
    recovered: g.recovered,
    via_other_cart: g.via_other_cart,
    recovery_rate: ratio(g.recovered, g.episodes),
    abandoned_value_by_currency: g.abandoned_value,
    ...converted('abandoned_value', g.abandoned_converted),
    recovered_value_by_currency: g.recovered_value,
    ...converted('recovered_value', g.recovered_converted),
    median_ms_since_abandoned: g.median_ms_since_abandoned,
  };
}

/** `<name>_converted` beside `<name>_by_currency`, when the report was asked in a reporting currency. */
function converted<N extends string>(name: N, c: Converted | undefined): { [K in `${N}_converted`]?: Converted } {
  return c === undefined ? {} : ({ [`${name}_converted`]: c } as { [K in `${N}_converted`]: Converted });
}

const COLUMNS = [
  'breakdown',
  'value',
  'abandoned',
  'announced',
  'reactivated',
  'recovered',
  'via_other_cart',
  'recovery_rate',
  'median_ms_since_abandoned',
] as const;

/** CSV and Arrow: the totals, then one row per breakdown value; amounts in one column per currency. */
function tableRows(all: Group, list: (dim: Dim) => (Group & { value: string })[]) {
  const abandonedValue = currencyColumns('abandoned_value_minor', [all.abandoned_value]);
  const recoveredValue = currencyColumns('recovered_value_minor', [all.recovered_value]);
  const columns = [
    ...COLUMNS,
    ...Object.keys(abandonedValue([])),
    ...Object.keys(convertedColumns('abandoned_value', all.abandoned_converted)),
    ...Object.keys(recoveredValue([])),
    ...Object.keys(convertedColumns('recovered_value', all.recovered_converted)),
  ];
  const row = (breakdown: Dim, g: Group & { value: string }) => ({
    breakdown,
    value: g.value,
    // A campaign row holds only the episodes that came back (by the campaign of their return).
    abandoned: breakdown === 'campaign' ? null : g.episodes,
    announced: g.announced,
    reactivated: g.reactivated,
    recovered: g.recovered,
    via_other_cart: g.via_other_cart,
    recovery_rate: breakdown === 'campaign' ? null : ratio(g.recovered, g.episodes),
    median_ms_since_abandoned: g.median_ms_since_abandoned,
    ...abandonedValue(breakdown === 'campaign' ? null : g.abandoned_value),
    ...convertedColumns('abandoned_value', breakdown === 'campaign' && g.abandoned_converted ? null : g.abandoned_converted),
    ...recoveredValue(g.recovered_value),
    ...convertedColumns('recovered_value', g.recovered_converted),
  });
  return {
    columns,
    rows: [row('all', { ...all, value: 'all' }), ...(['stage', 'channel', 'announced', 'campaign'] as const).flatMap((d) => list(d).map((g) => row(d, g)))],
  };
}
