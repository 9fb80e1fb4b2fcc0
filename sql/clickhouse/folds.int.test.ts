import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processMessage } from '../../ingest/pipeline/process.ts';
import { abandonmentFunnel } from '../../projections/analyses.ts';
import { AS_OF, DAY, shopEvents, T0 } from '../../test/fixtures/shop.ts';
import { tempClickHouse } from '../../test/support/tempClickHouse.ts';
import pino from 'pino';
import { startDerivedRefresh } from '../derivedRefresh.ts';
import type { EventRow } from '../rows.ts';
import type { ClickHouseWarehouse } from './adapter.ts';

/** The shop's 29 events as the pipeline hands them to writeBatch. */
function shopRows(): EventRow[] {
  return shopEvents().map((e) => {
    const p = processMessage({ raw: Buffer.from(JSON.stringify(e)), source: 'test', sourceRef: null, receivedAtMs: AS_OF }, 64 * 1024);
    if (p.kind !== 'event') throw new Error('the shop fixture holds valid events only');
    return p.row;
  });
}

const ALL = 10_000_000_000_000;
const silentLog = pino({ level: 'silent' });
const kept = (w: ClickHouseWarehouse) =>
  w.rows('SELECT cart_id, events, items, units, value_minor, anomalies, line_product_id, line_quantity FROM cart_folds FINAL ORDER BY cart_id');
const folded = (w: ClickHouseWarehouse) =>
  w.rows(`SELECT cart_id, events, items, units, value_minor, anomalies, line_product_id, line_quantity FROM cart_fold_asof(as_of_ms = ${ALL}) ORDER BY cart_id`);

let store: Awaited<ReturnType<typeof tempClickHouse>>;
let warehouse: ClickHouseWarehouse;
beforeEach(async () => {
  store = await tempClickHouse('folds');
  warehouse = store.warehouse;
});
afterEach(() => store.cleanup());

describe('cart_folds: carts marked by writes, folded before reads, kept', () => {
  it('writes only marks; the next read of the cart model folds every marked cart over all its events', async () => {
    // given the shop written in two batches
    const rows = shopRows();
    await warehouse.writeBatch(rows.slice(0, 15), []);
    await warehouse.writeBatch(rows.slice(15), []);
    expect(await kept(warehouse)).toEqual([]);
    // when the cart model is read
    await abandonmentFunnel(warehouse, { from: T0, to: AS_OF, as_of: AS_OF, abandon_ms: DAY }, 'none');
    // then the kept folds are the folds of all events: 10 carts, 29 events
    const folds = await kept(warehouse);
    expect(folds).toEqual(await folded(warehouse));
    expect([folds.length, folds.reduce((n, f) => n + Number(f.events), 0)]).toEqual([10, 29]);
  });

  it('marks again the carts of a batch delivered again after its marks were lost', async () => {
    // given events stored whose marks are gone (a writer stopped between its insert and its marks)
    const rows = shopRows();
    await warehouse.writeBatch(rows, []);
    await warehouse.client.command({ query: 'TRUNCATE TABLE cart_dirty' });
    // when the batch comes back (the transport redelivers what was not acknowledged), then a read
    const result = await warehouse.writeBatch(rows, []);
    await warehouse.refreshFolds();
    // then nothing is stored twice and every cart is folded
    expect(result).toEqual({ inserted: 0, duplicates: 29, rejected: 0 });
    expect((await kept(warehouse)).length).toBe(10);
    expect(await kept(warehouse)).toEqual(await folded(warehouse));
  });

  it('folds a mark that landed after a fold but was stamped before it, within the margin', async () => {
    // given the first carts folded, then the others written with marks stamped 5 s before that fold
    const rows = shopRows();
    const first = rows.filter((r) => r.cart_id < rows[20]!.cart_id);
    const rest = rows.filter((r) => r.cart_id >= rows[20]!.cart_id);
    await warehouse.writeBatch(first, []);
    await warehouse.refreshFolds();
    await warehouse.writeBatch(rest, []);
    await warehouse.client.command({ query: 'TRUNCATE TABLE cart_dirty' });
    await warehouse.client.command({
      query: `INSERT INTO cart_dirty SELECT arrayJoin({carts:Array(String)}), (SELECT max(folded_to) FROM fold_watermark) - INTERVAL 5 SECOND`,
      query_params: { carts: [...new Set(rest.map((r) => r.cart_id))] },
    });
    // when the cart model is read
    await warehouse.refreshFolds();
    // then those carts are folded too
    expect((await kept(warehouse)).length).toBe(10);
    expect(await kept(warehouse)).toEqual(await folded(warehouse));
  });

  it('moves the watermark on at a read with nothing new to fold, so that folded marks leave the window', async () => {
    // given the shop written and folded
    await warehouse.writeBatch(shopRows(), []);
    await warehouse.refreshFolds();
    const watermark = async () => Number((await warehouse.rows('SELECT toUnixTimestamp64Micro(max(folded_to)) AS us FROM fold_watermark'))[0]!.us);
    const before = await watermark();
    // when the cart model is read again with no write in between
    await warehouse.refreshFolds();
    // then the watermark is past the first fold's, and the folds are unchanged
    expect(await watermark()).toBeGreaterThan(before);
    expect(await kept(warehouse)).toEqual(await folded(warehouse));
  });

  it('folds at start the carts whose fold is missing or behind their events', async () => {
    // given all events stored and folded, then the folds of every cart lost and stale ones (as of day 2) put back
    await warehouse.writeBatch(shopRows(), []);
    await warehouse.refreshFolds();
    await warehouse.client.command({ query: 'TRUNCATE TABLE cart_folds' });
    await warehouse.client.command({ query: `INSERT INTO cart_folds SELECT *, 0 FROM cart_fold_asof(as_of_ms = ${T0 + 2 * DAY})` });
    const stale = await kept(warehouse);
    expect(stale.length).toBeGreaterThan(0);
    expect(stale.length).toBeLessThan(10);
    // when carrello starts again
    await warehouse.migrate();
    // then every cart's fold covers all its events
    expect(await kept(warehouse)).toEqual(await folded(warehouse));
    expect((await kept(warehouse)).length).toBe(10);
  });

  it('keeps the fold over more events when an older fold is written after it (a slower process)', async () => {
    await warehouse.writeBatch(shopRows(), []);
    await warehouse.refreshFolds();
    const before = await kept(warehouse);
    await warehouse.client.command({ query: `INSERT INTO cart_folds SELECT *, 0 FROM cart_fold_asof(as_of_ms = ${T0 + 2 * DAY})` });
    expect(await kept(warehouse)).toEqual(before);
  });

  it('answers as of a past instant with carts that changed since folded from their events up to it', async () => {
    // given every cart folded over all its events
    await warehouse.writeBatch(shopRows(), []);
    // when the funnel is asked as of day 2 (the worked example of docs/metrics.md is as of day 8)
    const w = (asOf: number) => ({ from: T0, to: asOf, as_of: asOf, abandon_ms: DAY });
    const live = await warehouse.rows(`SELECT count() AS n FROM cart_fold_asof(as_of_ms = ${T0 + 2 * DAY})`);
    const early = await abandonmentFunnel(warehouse, w(T0 + 2 * DAY), 'none');
    const late = await abandonmentFunnel(warehouse, w(AS_OF), 'none');
    // then each sees the carts started by then
    expect(early.json.funnel[0]!.carts).toBe(Number(live[0]!.n));
    expect(late.json.funnel[0]!.carts).toBe(10);
  });
});

describe('cart_folds for readers that bypass carrello (the ingest worker refreshes them now and then)', () => {
  it('folds every written cart without any read of the cart model', async () => {
    // given the shop written, and nobody reading through carrello
    await warehouse.writeBatch(shopRows(), []);
    expect(await kept(warehouse)).toEqual([]);
    // when the worker's refresh runs on its schedule
    const refresh = startDerivedRefresh(warehouse, 20, silentLog);
    try {
      for (let i = 0; i < 500 && (await kept(warehouse)).length < 10; i++) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await refresh.stop();
    }
    // then a direct read of cart_folds (as Grafana's) holds every cart's fold over all its events
    const folds = await kept(warehouse);
    expect(folds).toEqual(await folded(warehouse));
    expect([folds.length, folds.reduce((n, f) => n + Number(f.events), 0)]).toEqual([10, 29]);
  });
});
