import { covers, EXCLUSION_SHIFT, type FunnelDefinition } from '../../projections/funnels/definition.ts';
import { FunnelMatcher } from '../../projections/funnels/matcher.ts';
import { buildStream, textColumn } from '../../projections/funnels/stream.ts';
import { summarize, summarizeByValue } from '../../projections/funnels/summary.ts';

/** The stored events as the reference reads them (the SELECT below, on DuckDB). */
export const REFERENCE_EVENTS_SQL = `
  SELECT cart_id, customer_id, type, product_id, category, channel, campaign_name, currency,
    CAST(sequence AS DOUBLE) AS sequence, CAST(epoch_ms(occurred_at) AS DOUBLE) AS t, CAST(rowid AS DOUBLE) AS rid
  FROM events`;

/**
 * A funnel computed from every stored event with no help from the warehouse: the steps' filters applied
 * here, one row per event built as a JS object, in storage order, then sorted by the stream and matched.
 * It is the row-by-row path the warehouse's columnar one replaced, and what the parity suites hold it to.
 */
export function referenceFunnel(events: readonly Record<string, unknown>[], d: FunnelDefinition) {
  const key = d.entity === 'cart' ? 'cart_id' : 'customer_id';
  const visible = events.filter((e) => (e.t as number) <= d.asOfMs && e[key] !== null);
  const unsequenced = new Set(visible.filter((e) => e.sequence === null).map((e) => e.cart_id));
  const ids = [...new Set(visible.map((e) => e[key] as string))];
  const index = new Map(ids.map((id, i) => [id, i]));
  const startBits = d.order === 'unordered' ? (1 << d.steps.length) - 1 : 1;
  const rows = visible.flatMap((e) => {
    const ev = { type: e.type as string, product_id: (e.product_id as string | null) ?? undefined, category: (e.category as string | null) ?? undefined };
    let bits = 0;
    for (const [k, s] of d.steps.entries()) bits |= covers(s, ev) ? 1 << k : 0;
    for (const [n, x] of d.exclusions.entries()) bits |= covers(x, ev) ? 1 << (EXCLUSION_SHIFT + n) : 0;
    if (bits === 0 && d.order !== 'strict') return [];
    const value = { channel: e.channel, campaign: e.campaign_name, currency: e.currency }[d.breakdown ?? 'channel'] as string | null;
    const seq = d.entity === 'cart' && !unsequenced.has(e.cart_id) ? (e.sequence as number) : -1;
    return [{ k: index.get(e[key] as string)!, seq, t: e.t as number, bits, rid: e.rid as number, breakdown: d.breakdown ? value : null }];
  });
  const stream = buildStream(
    {
      rows: rows.length,
      entity: Float64Array.from(rows.map((r) => r.k)),
      seq: Float64Array.from(rows.map((r) => r.seq)),
      t: Float64Array.from(rows.map((r) => r.t)),
      bits: Float64Array.from(rows.map((r) => r.bits)),
      rid: Float64Array.from(rows.map((r) => r.rid)),
      breakdown: textColumn(rows.map((r) => r.breakdown)),
    },
    startBits,
  );
  const outcomes = new FunnelMatcher(stream, {
    order: d.order,
    steps: d.steps.length,
    windowMs: d.windowMs,
    startFromMs: d.fromMs,
    startToMs: d.toMs,
    exclusions: d.exclusions.map((x) => ({ from: x.between[0], to: x.between[1] })),
    breakdown: d.breakdown !== undefined,
  }).matchAll();
  return { steps: summarize(d, outcomes), spoiled: outcomes.spoiled, breakdown: d.breakdown ? summarizeByValue(d, outcomes) : undefined };
}
