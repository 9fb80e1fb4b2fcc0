import { EXCLUSION_SHIFT, covers, type EventFilter, type FunnelDefinition, type FunnelOrder } from '../../projections/funnels/definition.ts';
import { FunnelMatcher, type Counted, type EntityResult } from '../../projections/funnels/matcher.ts';
import { buildStream, textColumn } from '../../projections/funnels/stream.ts';
import { summarize, type StepSummary } from '../../projections/funnels/summary.ts';

/**
 * Funnels over hand-made event sequences, without a warehouse: rows are built the way
 * funnel_*_events.sql builds them (matching events only, every event for strict funnels), then the
 * stream, the matcher and the summary run as in production.
 */
export interface ToyFunnel {
  /** Event types, or filters. */
  steps: (string | EventFilter)[];
  order?: FunnelOrder;
  /** Seconds; 14 days unless given. */
  window?: number;
  exclusions?: { type: string; between: [number, number] }[];
  /** First steps count from (inclusive) / to (exclusive): a time as toy events write it. */
  from?: string | number;
  to?: string | number;
}

/** [type, when, extra]: when is `2021-05-01 01:00:00` (UTC) or seconds after 2021-05-01T00:00:00Z. */
export type ToyEvent = [type: string, at: string | number, extra?: { category?: string; product_id?: string; channel?: string; seq?: number }];

export const T0 = Date.parse('2021-05-01T00:00:00Z');
export const at = (when: string | number): number => (typeof when === 'number' ? T0 + Math.round(when * 1000) : Date.parse(`${when.replace(' ', 'T')}Z`));

export interface ToyResult {
  /** Per person: steps reached (0 when not counted), or 'spoiled' when exclusions spoiled every attempt. */
  reached: Record<string, number | 'spoiled'>;
  counted: Record<string, Counted>;
  steps: StepSummary[];
  /** counts per step, for short assertions. */
  counts: number[];
}

export function runToy(f: ToyFunnel, people: Record<string, ToyEvent[]>): ToyResult {
  const order = f.order ?? 'ordered';
  const steps = f.steps.map((s) => (typeof s === 'string' ? { type: s } : s));
  const exclusions = f.exclusions ?? [];
  const names = Object.keys(people);
  const rows = { k1: [] as number[], seq: [] as number[], t: [] as number[], bits: [] as number[], rid: [] as number[], breakdown: [] as (string | null)[] };
  const startBits = order === 'unordered' ? (1 << steps.length) - 1 : 1;
  let rid = 0;
  names.forEach((name, p) => {
    for (const [type, when, extra = {}] of people[name]!) {
      const event: EventFilter = { type, product_id: extra.product_id, category: extra.category };
      let bits = 0;
      steps.forEach((s, k) => {
        if (matches(s, event)) bits |= 1 << k;
      });
      exclusions.forEach((x, n) => {
        if (matches({ type: x.type }, event)) bits |= 1 << (EXCLUSION_SHIFT + n);
      });
      rid += 1;
      if (bits === 0 && order !== 'strict') continue;
      rows.k1.push(p);
      rows.seq.push(extra.seq ?? -1);
      rows.t.push(at(when));
      rows.bits.push(bits);
      rows.rid.push(rid);
      rows.breakdown.push(extra.channel ?? null);
    }
  });
  const stream = buildStream(
    {
      rows: rows.k1.length,
      entity: Float64Array.from(rows.k1),
      seq: Float64Array.from(rows.seq),
      t: Float64Array.from(rows.t),
      bits: Float64Array.from(rows.bits),
      rid: Float64Array.from(rows.rid),
      breakdown: textColumn(rows.breakdown),
    },
    startBits,
  );
  const definition: Pick<FunnelDefinition, 'steps' | 'order'> = { steps, order };
  const matcher = new FunnelMatcher(stream, {
    order,
    steps: steps.length,
    windowMs: (f.window ?? 14 * 86_400) * 1000,
    startFromMs: f.from === undefined ? -Infinity : at(f.from),
    startToMs: f.to === undefined ? Infinity : at(f.to),
    exclusions: exclusions.map((x) => ({ from: x.between[0], to: x.between[1] })),
    breakdown: true,
  });
  const reached: Record<string, number | 'spoiled'> = Object.fromEntries(names.map((n) => [n, 0]));
  const counted: Record<string, Counted> = {};
  for (let e = 0; e < stream.entities; e++) {
    const person = names[e]!;
    const r: EntityResult = matcher.match(e);
    if (r.counted) {
      reached[person] = r.counted.depth;
      counted[person] = r.counted;
    } else if (r.spoiled) reached[person] = 'spoiled';
  }
  const summary = summarize(definition, matcher.matchAll());
  return { reached, counted, steps: summary, counts: summary.map((s) => s.count) };
}

function matches(step: EventFilter, event: EventFilter): boolean {
  return covers(step, event);
}
