/**
 * A window reads about its own rows, whatever the history kept, by two facts that hold at any size:
 * the read models lie in the order their range filters read (cart_model by started_at, line_model by
 * first_added_at, cart_replay by cart_last_at), and every named query applies its range to those columns
 * inside the scan, as plain comparisons, so that DuckDB's per-row-group minimum and maximum (zone maps)
 * skip the row groups outside it. A row group holds 122,880 rows, so a store small enough for a test has
 * one: the proof is on the order and the plans, not on timings or on a store of many row groups (the bench
 * store's rows read are in docs/metrics.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestPipeline } from '../../ingest/pipeline/pipeline.ts';
import { disturbedTraffic, messagesOf } from '../../test/support/traffic.ts';
import { tempDuckDb } from '../../test/support/tempStore.ts';
import type { DuckDbWarehouse } from './adapter.ts';
import { query } from '../loader.ts';

const DAY = 86_400_000;
const START = Date.parse('2026-01-05T00:00:00.000Z');
const DAYS = 90;
const END = START + DAYS * DAY;

/** The column each model is laid out by, and the filters that read it. */
const LAYOUT: Record<string, string> = { cart_model: 'started_at', line_model: 'first_added_at', cart_replay: 'cart_last_at' };

interface Scan {
  table: string;
  filters: string[];
  projections: string[];
}

let warehouse: DuckDbWarehouse;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  // Given three months of disturbed traffic (late events, duplicates, carts folded live), written day by
  // day with an answer read after each day, then `carrello rebuild`.
  const store = await tempDuckDb();
  warehouse = store.warehouse;
  cleanup = store.cleanup;
  const events = disturbedTraffic({ seed: 'layout', startMs: START, days: DAYS, cartsPerDay: 12 });
  const pipeline = new IngestPipeline(warehouse);
  for (let day = 0; day < DAYS; day += 10) {
    const batch = events.filter((e) => {
      const t = Date.parse(e.occurred_at);
      return t >= START + day * DAY && t < START + (day + 10) * DAY;
    });
    await pipeline.ingest(messagesOf(batch, START + (day + 10) * DAY));
    await warehouse.query('abandonment', window(START + (day + 10) * DAY, 'none'));
  }
  await pipeline.close();
  await warehouse.rebuildReadModels();
}, 600_000);

afterAll(async () => cleanup?.());

function window(asOf: number, breakdown: string) {
  return { as_of_ms: asOf, abandon_ms: DAY, from_ms: asOf - 7 * DAY, to_ms: asOf, breakdown, tz: 'UTC' };
}

/** Every table scan of the query's plan, with its pushed filters and the columns it reads. */
async function scans(name: string, params: Record<string, number | string>): Promise<Scan[]> {
  const sql = query('duckdb', name);
  const bound = Object.fromEntries(
    Object.entries(params)
      .filter(([k]) => sql.includes(`$${k}`))
      .map(([k, v]) => [k, typeof v === 'number' ? BigInt(v) : v]),
  );
  const [plan] = await warehouse.all(`EXPLAIN (FORMAT json) ${sql}`, bound);
  const out: Scan[] = [];
  const walk = (node: { name?: string; extra_info?: Record<string, unknown>; children?: unknown[] }) => {
    const info = node.extra_info ?? {};
    if (typeof info.Table === 'string') {
      const filters = info.Filters === undefined ? [] : ([] as string[]).concat(info.Filters as string | string[]);
      out.push({ table: info.Table.split('.').pop()!, filters, projections: ([] as string[]).concat((info.Projections as string[]) ?? []) });
    }
    for (const c of node.children ?? []) walk(c as typeof node);
  };
  for (const root of JSON.parse(String(plan!.explain_value)) as object[]) walk(root);
  return out;
}

describe('DuckDB read models: a window reads its rows, not the history', () => {
  it.each(Object.entries(LAYOUT))('lays %s out in %s order after a rebuild', async (table, column) => {
    // rowid is the row's place in the table: the order DuckDB stores, and skips, row groups in.
    const [row] = await warehouse.all(
      `SELECT count(*) AS n, count(*) FILTER (WHERE ${column} < before) AS out_of_order
       FROM (SELECT ${column}, lag(${column}) OVER (ORDER BY rowid) AS before FROM ${table})`,
    );
    expect(Number(row!.n)).toBeGreaterThan(1_000);
    expect(Number(row!.out_of_order)).toBe(0);
  });

  const questions: [string, Record<string, number | string>][] = [];
  for (const [when, asOf] of [
    ['as of the end', END],
    ['as of 10 days before', END - 10 * DAY],
  ] as const) {
    questions.push([`abandonment ${when}`, window(asOf, 'none')]);
    questions.push([`removal ${when}`, { ...window(asOf, 'none'), group: 'product', item: '' }]);
    questions.push([`quantity ${when}`, { ...window(asOf, 'none'), group: 'category' }]);
  }

  it.each(questions)('%s reads the models through their layout columns, never events', async (label, params) => {
    const name = label.split(' ')[0]!;
    const all = await scans(name, params);
    expect(all.map((s) => s.table)).not.toContain('events');
    for (const s of all.filter((x) => x.table in LAYOUT)) {
      // The names as of the instant of the products renamed around it are read from their lines (none as
      // of the end, the next test); every other scan is bounded by the window or by as_of.
      if (s.table === 'line_model' && s.projections.some((c) => c.startsWith('latest_'))) continue;
      const bounded = s.filters.some((f) =>
        s.table === 'cart_model' ? /^(started_at|last_activity_at)(>=|<)\d+/.test(f) : new RegExp(`^${LAYOUT[s.table]}(>=|>)\\d+`).test(f),
      );
      expect({ label, scan: s.table, filters: s.filters, bounded }).toEqual({ label, scan: s.table, filters: s.filters, bounded: true });
    }
  });

  it('reads one row per product, not every line, for the names of an answer as of the end', async () => {
    const all = await scans('removal', { ...window(END, 'none'), group: 'product', item: '' });
    const naming = all.filter((s) => s.projections.some((c) => c.startsWith('latest_')));
    expect(naming.map((s) => s.table)).toEqual(['line_model']);
    expect(all.map((s) => s.table)).toContain('product_model');
    const [used] = await warehouse.all(`SELECT count(*) AS again FROM product_model WHERE last_at > CAST($t AS BIGINT)`, { t: BigInt(END) });
    // No name used again after the end, so that scan reads the lines of no product.
    expect(Number(used!.again)).toBe(0);
  });
});
