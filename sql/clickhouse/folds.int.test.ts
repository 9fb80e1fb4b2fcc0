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
function shopRows(events = shopEvents()): EventRow[] {
  return events.map((e) => {
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
  w.rows(
    `SELECT cart_id, events, items, units, value_minor, anomalies, line_product_id, line_quantity FROM cart_fold_asof(as_of_ms = ${ALL}) ORDER BY cart_id`,
  );

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

describe('a read as of an instant no fold ends after: the kept rows, in as few round trips as hold it', () => {
  /** The queries ClickHouse is asked by `run`, by their first comment line. */
  async function asked(run: () => Promise<unknown>): Promise<string[]> {
    const seen: string[] = [];
    const query = warehouse.client.query.bind(warehouse.client);
    warehouse.client.query = ((p: Parameters<typeof query>[0]) => {
      seen.push(p.query.trimStart().split('\n')[0]!);
      return query(p);
    }) as typeof query;
    try {
      await run();
    } finally {
      warehouse.client.query = query;
    }
    return seen;
  }

  it('asks twice on chdb with nothing to fold: the marks with whether a fold ends after as_of, then the kept answer', async () => {
    // given every cart folded
    await warehouse.writeBatch(shopRows(), []);
    await warehouse.refreshFolds();
    // when the abandonment funnel is asked as of the last event
    const seen = await asked(() => abandonmentFunnel(warehouse, { from: T0, to: AS_OF, as_of: AS_OF, abandon_ms: DAY }, 'none'));
    // then fold_pending.sql, then abandonment.sql over the `_kept` twins, and nothing after
    expect(seen).toEqual([
      '-- The marks to look at before a read: those since the last fold, and those of the margin before it (a mark',
      '-- Carts started in [from, to), as of as_of, by breakdown key and currency (counts add up across currencies).',
    ]);
  });

  it('asks again through the live fold when this process folds a later event while the kept rows are read', async () => {
    // given every cart folded, and the funnel as of AS_OF
    await warehouse.writeBatch(shopRows(), []);
    const w = { from: T0, to: AS_OF, as_of: AS_OF, abandon_ms: DAY };
    const expected = await abandonmentFunnel(warehouse, w, 'none');
    // when, while the kept rows are read, cart A gets an event after AS_OF and another read folds it
    const [first] = shopEvents().filter((e) => e.cart_id === 'A');
    const late = shopRows([{ ...first!, event_id: '00000000-0000-4000-8000-00000000ffff', occurred_at: new Date(AS_OF + 3_600_000).toISOString() }]);
    const query = warehouse.client.query.bind(warehouse.client);
    let interleaved = false;
    warehouse.client.query = (async (p: Parameters<typeof query>[0]) => {
      if (!interleaved && p.query.includes('cart_state_kept(')) {
        interleaved = true;
        await warehouse.writeBatch(late, []);
        await warehouse.refreshFolds();
      }
      return query(p);
    }) as typeof query;
    const answer = await abandonmentFunnel(warehouse, w, 'none').finally(() => (warehouse.client.query = query));
    // then the answer still counts cart A as of AS_OF (folded from its events up to it), as before
    expect(interleaved).toBe(true);
    expect(answer.json).toEqual(expected.json);
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
