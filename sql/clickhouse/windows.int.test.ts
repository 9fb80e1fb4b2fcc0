import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processMessage } from '../../ingest/pipeline/process.ts';
import { abandonmentFunnel } from '../../projections/analyses.ts';
import { CartBuilder, DAY, HOUR } from '../../test/fixtures/shop.ts';
import { tempClickHouse } from '../../test/support/tempClickHouse.ts';
import { query } from '../loader.ts';
import type { EventRow } from '../rows.ts';
import type { ClickHouseWarehouse } from './adapter.ts';

const MONTHS = ['2026-01', '2026-02', '2026-03', '2026-04'];
const AS_OF = Date.parse('2026-05-01T00:00:00.000Z');
// A 7-day window inside March.
const FROM = Date.parse('2026-03-08T00:00:00.000Z');
const TO = FROM + 7 * DAY;

/** Three carts started in each month (the 10th, 12th and 14th): one ordered, one abandoned, one with a removal. */
function rows(): EventRow[] {
  const events = MONTHS.flatMap((m) =>
    [10, 12, 14].map((d, i) => {
      const t = Date.parse(`${m}-${d}T09:00:00.000Z`);
      const c = new CartBuilder({ cart_id: `${m}-${d}`, customer_id: `c-${m}-${i}`, channel: 'web' }).add(t, 'P1', 1).add(t + HOUR, 'P2', 3);
      if (i === 0)
        c.checkout(t + 2 * HOUR).order(t + 3 * HOUR, [
          ['P1', 1],
          ['P2', 3],
        ]);
      if (i === 2) c.remove(t + 2 * HOUR, 'P2', 3);
      return c.events;
    }),
  ).flat();
  return events.map((e) => {
    const p = processMessage({ raw: Buffer.from(JSON.stringify(e)), source: 'test', sourceRef: null, receivedAtMs: AS_OF }, 64 * 1024);
    if (p.kind !== 'event') throw new Error('valid events only');
    return p.row;
  });
}

/** What EXPLAIN indexes = 1 says a query reads of a table: parts and granules after every index. */
async function reads(w: ClickHouseWarehouse, sql: string, params: Record<string, unknown>, table: string) {
  const text = (await w.rows(`EXPLAIN indexes = 1 ${sql}`, params)).map((r) => String(r.explain)).join('\n');
  const at = text.search(new RegExp(`ReadFromMergeTree \\(\\w+\\.${table}\\)`));
  expect(at).toBeGreaterThanOrEqual(0);
  const m = /Parts: (\d+) \| Granules: (\d+)/.exec(text.slice(at))!;
  return { parts: Number(m[1]), granules: Number(m[2]) };
}

/** Active parts of a table, in all and in the partition of March 2026. */
async function parts(w: ClickHouseWarehouse, table: string) {
  const [r] = await w.rows(
    `SELECT count() AS total, countIf(partition = '202603') AS march, sumIf(marks - 1, partition = '202603') AS march_granules
     FROM system.parts WHERE database = currentDatabase() AND table = {table:String} AND active`,
    { table },
  );
  return { total: Number(r!.total), march: Number(r!.march), marchGranules: Number(r!.march_granules) };
}

describe('a 7-day window on a store of four months reads the partition of its month only (ClickHouse)', () => {
  let store: Awaited<ReturnType<typeof tempClickHouse>>;
  let w: ClickHouseWarehouse;
  const params = { as_of_ms: AS_OF, abandon_ms: DAY, from_ms: FROM, to_ms: TO };

  beforeAll(async () => {
    store = await tempClickHouse('windows');
    w = store.warehouse;
    // Given carts started in four months, written one month per batch (a part per month at least)
    const all = rows();
    for (const m of MONTHS)
      await w.writeBatch(
        all.filter((r) => r.cart_id.startsWith(m)),
        [],
      );
    await w.refreshFolds();
  }, 120_000);
  afterAll(() => store.cleanup());

  it('answers the window with its own carts', async () => {
    const answer = await abandonmentFunnel(w, { from: FROM, to: TO, as_of: AS_OF, abandon_ms: DAY }, 'none');
    expect(answer.json.funnel.map((s) => s.carts)).toEqual([3, 1, 1]);
    expect(answer.json.abandoned.carts).toBe(2);
  });

  it.each([
    ['abandonment', 'cart_folds', { breakdown: 'none', tz: 'UTC' }],
    ['removal', 'cart_line_folds', { group: 'product', breakdown: 'none', item: '', tz: 'UTC' }],
    ['quantity', 'cart_line_folds', { group: 'category' }],
  ])('%s reads of %s the parts of March only', async (name, table, extra) => {
    const held = await parts(w, table);
    expect(held.total).toBeGreaterThan(held.march);
    // when the window's answer is planned, then the min-max and primary-key indexes leave March's parts
    const read = await reads(w, query('clickhouse', name), { ...params, ...extra }, table);
    expect(read.parts).toBe(held.march);
    expect(read.granules).toBeLessThanOrEqual(held.marchGranules);
  });

  it('finds no cart with events after an as_of at or after the last event without reading a granule', async () => {
    const read = await reads(w, 'SELECT cart_id FROM cart_folds WHERE last_activity_at > {as_of_ms:Int64}', params, 'cart_folds');
    expect(read).toEqual({ parts: 0, granules: 0 });
  });
});
