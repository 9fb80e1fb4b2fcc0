import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { invalidExamples, validExamples } from '../../ingest/contract/examples.ts';
import type { InboundMessage } from '../../ingest/pipeline/message.ts';
import { IngestPipeline } from '../../ingest/pipeline/pipeline.ts';
import { processMessage } from '../../ingest/pipeline/process.ts';
import { abandonmentFunnel, quantityFunnel, removalFunnel } from '../../projections/analyses.ts';
import { abandonedCartAudience } from '../../projections/audiences.ts';
import { cartTimeline } from '../../projections/carts.ts';
import { AS_OF, DAY, HOUR, shopEvents, T0 } from '../../test/fixtures/shop.ts';
import { tempClickHouse } from '../../test/support/tempClickHouse.ts';
import { tempDuckDb } from '../../test/support/tempStore.ts';
import { messagesOf } from '../../test/support/traffic.ts';
import type { EventRow, RejectedRow } from '../rows.ts';
import { migrations, statements } from '../loader.ts';
import type { Warehouse } from '../warehouse.ts';
import { ClickHouseWarehouse } from './adapter.ts';

const RECEIVED = Date.parse('2026-03-05T12:00:00.000Z');
const msg = (text: string | Uint8Array, ref = 'test'): InboundMessage => ({
  raw: typeof text === 'string' ? new TextEncoder().encode(text) : text,
  source: 'test',
  sourceRef: ref,
  receivedAtMs: RECEIVED,
});

/** The rows a batch of messages becomes, as the pipeline hands them to Warehouse.writeBatch. */
function rowsOf(messages: readonly InboundMessage[]): { events: EventRow[]; rejected: RejectedRow[] } {
  const events: EventRow[] = [];
  const rejected: RejectedRow[] = [];
  for (const m of messages) {
    const p = processMessage(m, 64 * 1024);
    if (p.kind === 'event') events.push(p.row);
    else rejected.push(p.row);
  }
  return { events, rejected };
}

let store: Awaited<ReturnType<typeof tempClickHouse>>;
let warehouse: ClickHouseWarehouse;
beforeEach(async () => {
  store = await tempClickHouse('adapter');
  warehouse = store.warehouse;
});
afterEach(() => store.cleanup());

describe('migrations', () => {
  it('apply once, and again changes nothing; the views are re-created every time', async () => {
    // Given a store migrated by tempClickHouse, when it is migrated twice more
    expect(await warehouse.migrate()).toEqual([]);
    expect(await warehouse.migrate()).toEqual([]);
    // then each migration is recorded once and every table and view is there.
    expect(await warehouse.rows('SELECT version, name FROM schema_migrations ORDER BY version')).toEqual([
      { version: 1, name: 'events' },
      { version: 2, name: 'cart_folds' },
      { version: 3, name: 'refold_large_values' },
      { version: 4, name: 'cart_line_folds' },
      { version: 5, name: 'cart_folds_by_start' },
      { version: 6, name: 'events_by_time' },
      { version: 7, name: 'customer_orders' },
      { version: 8, name: 'cart_spans' },
      { version: 9, name: 'lifecycle' },
      { version: 10, name: 'lifecycle_acknowledged' },
      { version: 11, name: 'lifecycle_replays' },
      { version: 12, name: 'cart_snapshots' },
      { version: 13, name: 'products' },
      { version: 14, name: 'exchange_rates' },
    ]);
    const tables = (await warehouse.rows('SELECT name, engine FROM system.tables WHERE database = currentDatabase() ORDER BY name')).map(
      (r) => `${r.name}:${r.engine}`,
    );
    expect(tables).toEqual([
      'audience_asof:View',
      'audience_kept:View',
      'cart_dirty:MergeTree',
      'cart_fold_asof:View',
      'cart_folds:ReplacingMergeTree',
      'cart_line_folds:ReplacingMergeTree',
      'cart_line_replay_asof:View',
      'cart_line_replay_kept:View',
      'cart_line_state_asof:View',
      'cart_line_state_kept:View',
      'cart_lines_asof:View',
      'cart_lines_kept:View',
      'cart_replay_asof:View',
      'cart_replay_kept:View',
      'cart_snapshots:ReplacingMergeTree',
      'cart_spans:AggregatingMergeTree',
      'cart_spans_mv:MaterializedView',
      'cart_state_asof:View',
      'cart_state_kept:View',
      'customer_orders:ReplacingMergeTree',
      'events:ReplacingMergeTree',
      'exchange_rates:ReplacingMergeTree',
      'fold_watermark:MergeTree',
      'lifecycle_acknowledged:MergeTree',
      'lifecycle_announcements:ReplacingMergeTree',
      'lifecycle_cursor:ReplacingMergeTree',
      'lifecycle_dead_letters:MergeTree',
      'lifecycle_delivered:ReplacingMergeTree',
      'lifecycle_replays:ReplacingMergeTree',
      'lifecycle_sent:ReplacingMergeTree',
      'product_names_asof:View',
      'products:ReplacingMergeTree',
      'rejected_events:MergeTree',
      'schema_migrations:MergeTree',
    ]);
  });
});

describe('migration 5: cart_folds laid out by start', () => {
  it('moves the folds of a store kept by cart (002) into the layout by start, answers unchanged', async () => {
    // Given the shop written on a store whose cart_folds is still 002's (one row per cart, by cart_id)
    const { events } = rowsOf(shopEvents().map((e) => msg(JSON.stringify(e))));
    await warehouse.writeBatch(events, []);
    await warehouse.refreshFolds();
    const answers = async () => ({
      abandonment: (await abandonmentFunnel(warehouse, { from: T0, to: AS_OF, as_of: AS_OF, abandon_ms: 24 * HOUR }, 'channel')).json,
      audience: (
        await abandonedCartAudience(warehouse, {
          as_of: AS_OF,
          abandon_ms: 24 * HOUR,
          lookback_ms: 400 * 24 * HOUR,
          stage: 'any',
          min_value_minor: 0,
          consent: 'any',
          limit: 100,
          cursor: null,
        })
      ).json,
    });
    const before = await answers();
    const folds = 'SELECT * EXCEPT (is_deleted) FROM cart_folds FINAL ORDER BY cart_id';
    const kept = await warehouse.rows(folds);
    const c = (query: string) => warehouse.client.command({ query });
    await c('CREATE TABLE folds_002 AS cart_folds');
    await c('INSERT INTO folds_002 SELECT * FROM cart_folds FINAL');
    await c('DROP TABLE cart_folds');
    await c(statements(migrations('clickhouse').find((m) => m.version === 2)!.sql).find((sql) => sql.includes('TABLE IF NOT EXISTS cart_folds'))!);
    await c('INSERT INTO cart_folds SELECT * EXCEPT (is_deleted) FROM folds_002');
    await c('DROP TABLE folds_002');
    await c('DELETE FROM schema_migrations WHERE version = 5');
    expect((await warehouse.rows("SELECT sorting_key FROM system.tables WHERE database = currentDatabase() AND name = 'cart_folds'"))[0]).toEqual({
      sorting_key: 'cart_id',
    });
    // when it migrates
    expect(await warehouse.migrate()).toEqual(['5_cart_folds_by_start']);
    // then the folds are the same rows, laid out by start, and every answer is the same
    expect(
      (await warehouse.rows("SELECT sorting_key, partition_key FROM system.tables WHERE database = currentDatabase() AND name = 'cart_folds'"))[0],
    ).toEqual({
      sorting_key: 'started_at, cart_id',
      partition_key: "toYYYYMM(toDateTime(intDiv(ifNull(started_at, 0), 1000), 'UTC'))",
    });
    expect(await warehouse.rows(folds)).toEqual(kept);
    expect(await answers()).toEqual(before);
  });
});

describe('migration 6: the projection events_by_time', () => {
  it('builds the projection in the parts of a store written before it, its NDJSON export unchanged', async () => {
    // Given the shop written on a store without the projection (as before migration 6)
    const c = (query: string) => warehouse.client.command({ query });
    await c('ALTER TABLE events DROP PROJECTION events_by_time');
    await c('DELETE FROM schema_migrations WHERE version = 6');
    const { events } = rowsOf(shopEvents().map((e) => msg(JSON.stringify(e))));
    await warehouse.writeBatch(events, []);
    const ndjson = async () => {
      const ex = await warehouse.exportEvents({ fromMs: T0 - DAY, toMs: AS_OF + DAY }, 'ndjson', { maxRows: 1_000 });
      const parts: Buffer[] = [];
      for await (const part of ex.stream) parts.push(part as Buffer);
      return { rows: ex.rows, text: Buffer.concat(parts).toString('utf8') };
    };
    const before = await ndjson();
    const projected = () =>
      warehouse.rows(
        "SELECT sum(rows) AS n FROM system.projection_parts WHERE database = currentDatabase() AND table = 'events' AND name = 'events_by_time' AND active",
      );
    expect(await projected()).toEqual([{ n: '0' }]);
    // when it migrates
    expect(await warehouse.migrate()).toEqual(['6_events_by_time']);
    // then every stored event is in the projection, and the export gives the same lines
    expect(await projected()).toEqual([{ n: String(events.length) }]);
    expect(before.rows).toBe(events.length);
    expect(await ndjson()).toEqual(before);
  });
});

describe('migration 7: the orders model customer_orders', () => {
  it('fills the orders model from a store written before it, the audience unchanged', async () => {
    // Given the shop written and its audience read, then the orders model taken away (as before migration 7)
    const { events } = rowsOf(shopEvents().map((e) => msg(JSON.stringify(e))));
    await warehouse.writeBatch(events, []);
    const audience = async () =>
      (
        await abandonedCartAudience(warehouse, {
          as_of: AS_OF,
          abandon_ms: 24 * HOUR,
          lookback_ms: 400 * DAY,
          stage: 'any',
          min_value_minor: 0,
          consent: 'any',
          limit: 100,
          cursor: null,
        })
      ).json;
    const before = await audience();
    await warehouse.client.command({ query: 'DROP TABLE customer_orders' });
    await warehouse.client.command({ query: 'DELETE FROM schema_migrations WHERE version = 7' });
    // when it migrates
    expect(await warehouse.migrate()).toEqual(['7_customer_orders']);
    // then the model holds every order that names a customer, once, and the audience answers as before
    const orders = events.filter((e) => e.type === 'order.placed' && e.customer_id !== null);
    expect(orders.length).toBeGreaterThan(0);
    const kept = await warehouse.rows('SELECT toString(event_id) AS id, placed_at, customer_id, cart_id FROM customer_orders FINAL ORDER BY id');
    expect(kept).toEqual(
      orders
        .map((e) => ({ id: e.event_id, placed_at: String(e.occurred_at_ms), customer_id: e.customer_id, cart_id: e.cart_id }))
        .sort((a, b) => (a.id < b.id ? -1 : 1)),
    );
    expect(await audience()).toEqual(before);
  });
});

describe('migration 8: cart_spans', () => {
  const spans = 'SELECT cart_id, toUnixTimestamp64Milli(min(first_at)) AS first_ms FROM cart_spans GROUP BY cart_id ORDER BY cart_id';
  const firstEvents = 'SELECT cart_id, toUnixTimestamp64Milli(min(occurred_at)) AS first_ms FROM events GROUP BY cart_id ORDER BY cart_id';

  it('fills the first event of every cart of a store written before it, then keeps it on every insert', async () => {
    // Given the shop written on a store without cart_spans (as before migration 8)
    const c = (query: string) => warehouse.client.command({ query });
    await c('DROP VIEW cart_spans_mv');
    await c('DROP TABLE cart_spans');
    await c('DELETE FROM schema_migrations WHERE version = 8');
    const shop = shopEvents();
    await warehouse.writeBatch(rowsOf(shop.slice(0, 20).map((e) => msg(JSON.stringify(e)))).events, []);
    // when it migrates, and more events come (the first batch again among them)
    expect(await warehouse.migrate()).toEqual(['8_cart_spans']);
    await warehouse.writeBatch(rowsOf(shop.map((e) => msg(JSON.stringify(e)))).events, []);
    // then each cart's first event is kept, as the events say, and a rebuild gives it again
    const want = await warehouse.rows(firstEvents);
    expect(want.length).toBeGreaterThan(3);
    expect(await warehouse.rows(spans)).toEqual(want);
    await warehouse.rebuildReadModels();
    expect(await warehouse.rows(spans)).toEqual(want);
  });

  it("forgets a forgotten customer's carts with their events", async () => {
    // Given the shop written
    await warehouse.writeBatch(rowsOf(shopEvents().map((e) => msg(JSON.stringify(e)))).events, []);
    const [customer] = await warehouse.rows('SELECT customer_id FROM events WHERE customer_id IS NOT NULL ORDER BY customer_id LIMIT 1');
    // when a customer is forgotten
    await warehouse.forgetCustomer(String(customer!.customer_id));
    // then cart_spans holds the first event of what remains of each cart, and nothing of carts left empty
    expect(await warehouse.rows(`SELECT count() AS n FROM events WHERE customer_id = '${String(customer!.customer_id)}'`)).toEqual([{ n: '0' }]);
    expect(await warehouse.rows(spans)).toEqual(await warehouse.rows(firstEvents));
  });
});

describe('writeBatch', () => {
  const columns = {
    clickhouse: `toString(event_id) AS event_id, type, toUnixTimestamp64Milli(occurred_at) AS occurred_at_ms, toUnixTimestamp64Milli(received_at) AS received_at_ms,
      sequence, cart_id, customer_id, anonymous_id, session_id, currency, channel, campaign_source, campaign_medium, campaign_name,
      consent_marketing, product_id, sku, product_name, category, brand, unit_price_minor, quantity, from_quantity, to_quantity,
      cart_value_minor, order_id, total_minor, order_items, source, payload`,
    duckdb: `event_id::VARCHAR AS event_id, type, epoch_ms(occurred_at) AS occurred_at_ms, epoch_ms(received_at) AS received_at_ms,
      sequence, cart_id, customer_id, anonymous_id, session_id, currency, channel, campaign_source, campaign_medium, campaign_name,
      consent_marketing, product_id, sku, product_name, category, brand, unit_price_minor, quantity, from_quantity, to_quantity,
      cart_value_minor, order_id, total_minor, to_json(order_items)::VARCHAR AS order_items, source, payload::VARCHAR AS payload`,
  };
  /** 64-bit integers as numbers; order_items as data: ClickHouse stores [] where DuckDB stores NULL (an Array is never NULL). */
  const normalise = (r: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => {
        if (k === 'order_items') {
          const items = (typeof v === 'string' ? JSON.parse(v) : v) as Record<string, unknown>[] | null;
          return [
            k,
            items === null || items.length === 0
              ? null
              : items.map((i) => ({ ...i, quantity: Number(i.quantity), unit_price_minor: Number(i.unit_price_minor) })),
          ];
        }
        return [k, typeof v === 'string' && /^-?\d+$/.test(v) && /_ms$|_minor$|sequence|quantity/.test(k) ? Number(v) : v];
      }),
    );

  it('stores every valid example with the same typed values as DuckDB, and the payload as sent', async () => {
    const duck = await tempDuckDb();
    try {
      // Given the contract's valid examples, when both stores write them
      const { events } = rowsOf(validExamples().map((e) => msg(e.text)));
      const [c, d] = await Promise.all([warehouse.writeBatch(events, []), duck.warehouse.writeBatch(events, [])]);
      expect(c).toEqual(d);
      // then every column holds the same value.
      const chRows = await warehouse.rows(`SELECT ${columns.clickhouse} FROM events ORDER BY event_id`);
      const duckRows = await duck.warehouse.all(`SELECT ${columns.duckdb} FROM events ORDER BY event_id`);
      expect(chRows.map(normalise)).toEqual(duckRows.map(normalise));
      expect(chRows.map((r) => r.payload).sort()).toEqual(
        validExamples()
          .map((e) => e.text)
          .sort(),
      );
    } finally {
      await duck.cleanup();
    }
  });

  it('keeps refused messages with their reason and the bytes exactly as received', async () => {
    const notUtf8 = Uint8Array.from([0x7b, 0xc3, 0x28, 0x00, 0xff, 0x7d]);
    const messages = [...invalidExamples().map((e, i) => msg(e.text, `test#${i}`)), msg(notUtf8, 'binary')];
    const { rejected } = rowsOf(messages);
    expect(await warehouse.writeBatch([], rejected)).toEqual({ inserted: 0, duplicates: 0, rejected: messages.length });
    const rows = await warehouse.rows('SELECT source_ref, reason, field, hex(payload) AS hex FROM rejected_events');
    expect(rows).toHaveLength(messages.length);
    for (const [i, m] of messages.entries()) {
      const row = rows.find((r) => r.source_ref === m.sourceRef)!;
      expect(row.hex).toBe(Buffer.from(m.raw).toString('hex').toUpperCase());
      if (i < invalidExamples().length) expect([row.reason, row.field]).toEqual([invalidExamples()[i]!.expected.reason, invalidExamples()[i]!.expected.field]);
    }
    expect(rows.find((r) => r.source_ref === 'binary')!.reason).toBe('invalid_utf8');
  });

  it('reports stats like DuckDB, empty or not', async () => {
    expect(await warehouse.stats()).toEqual({
      events_stored: 0,
      events_rejected: 0,
      carts: 0,
      first_event_at: null,
      last_event_at: null,
      last_received_at: null,
      rejected_by_reason: {},
    });
    const duck = await tempDuckDb();
    try {
      const { events, rejected } = rowsOf([...validExamples().map((e) => msg(e.text)), msg('{"broken'), msg('[]')]);
      await Promise.all([warehouse.writeBatch(events, rejected), duck.warehouse.writeBatch(events, rejected)]);
      const stats = await warehouse.stats();
      expect(stats).toEqual(await duck.warehouse.stats());
      expect(stats).toMatchObject({ events_stored: validExamples().length, events_rejected: 2, rejected_by_reason: { invalid_json: 1, not_an_object: 1 } });
    } finally {
      await duck.cleanup();
    }
  });
});

describe('a retried batch never doubles rows in any answer', () => {
  const shop = () => rowsOf(messagesOf(shopEvents(), AS_OF));
  const W = { from: T0, to: AS_OF, as_of: AS_OF, abandon_ms: 24 * HOUR };
  async function everyAnswer(w: Warehouse) {
    return {
      stats: await w.stats(),
      abandonment: (await abandonmentFunnel(w, W, 'channel')).json,
      removal: (await removalFunnel(w, W, { group: 'product', min_adds: 1, limit: 50 })).json,
      quantity: (await quantityFunnel(w, W, { group: 'category', limit: 50 })).json,
      audience: (
        await abandonedCartAudience(w, {
          as_of: AS_OF,
          abandon_ms: W.abandon_ms,
          lookback_ms: 30 * DAY,
          stage: 'any',
          min_value_minor: 0,
          consent: 'any',
          limit: 100,
          cursor: null,
        })
      ).json,
      timeline: await cartTimeline(w, 'G', AS_OF, W.abandon_ms),
    };
  }
  const physicalRows = async (w: ClickHouseWarehouse) => Number((await w.rows('SELECT count() AS n FROM events'))[0]!.n);

  it('the same batch written again stores nothing and counts duplicates', async () => {
    const { events } = shop();
    expect(await warehouse.writeBatch(events, [])).toEqual({ inserted: 29, duplicates: 0, rejected: 0 });
    expect(await warehouse.writeBatch(events, [])).toEqual({ inserted: 0, duplicates: 29, rejected: 0 });
    expect(await physicalRows(warehouse)).toBe(29);
  });

  it('redelivered in batches cut differently, the events are stored once', async () => {
    const reference = await tempClickHouse('reference');
    try {
      const { events } = shop();
      await reference.warehouse.writeBatch(events, []);
      // Given the events delivered in overlapping batches of 7, then again in batches of 5
      for (let i = 0; i < events.length; i += 5) await warehouse.writeBatch(events.slice(Math.max(0, i - 2), i + 5), []);
      for (let i = 0; i < events.length; i += 7) await warehouse.writeBatch(events.slice(i, i + 7), []);
      // then one row per event, and every answer is the once-delivered one.
      expect(await physicalRows(warehouse)).toBe(29);
      expect(await everyAnswer(warehouse)).toEqual(await everyAnswer(reference.warehouse));
    } finally {
      await reference.cleanup();
    }
  });

  /** Two writers whose look-ups both run before either inserts: the race the look-up cannot see. */
  async function racingWriters(): Promise<[ClickHouseWarehouse, () => void]> {
    const second = await ClickHouseWarehouse.open(store.target);
    let arrived = 0;
    let release!: () => void;
    const barrier = new Promise<void>((r) => (release = r));
    for (const w of [warehouse, second]) {
      const rows = w.rows.bind(w);
      w.rows = async (sql, params, settings) => {
        const result = await rows(sql, params, settings);
        if (sql.includes('FROM events') && sql.includes('{ids:Array(UUID)}')) {
          if (++arrived === 2) release();
          await barrier;
        }
        return result;
      };
    }
    return [second, release];
  }

  it('two writers racing with the same batch: the insert token drops the second copy', async () => {
    const [second] = await racingWriters();
    try {
      const { events } = shop();
      const results = await Promise.all([warehouse.writeBatch(events, []), second.writeBatch(events, [])]);
      // Both looked up before either inserted, so both believe they inserted everything...
      expect(results.map((r) => r.inserted)).toEqual([29, 29]);
      // ...but the second insert carried the same insert_deduplication_token and was dropped whole.
      expect(await physicalRows(warehouse)).toBe(29);
    } finally {
      await second.close();
    }
  });

  it('two writers racing with batches cut differently: copies are stored, and FINAL keeps every answer exact', async () => {
    const reference = await tempClickHouse('reference');
    const [second] = await racingWriters();
    try {
      const { events } = shop();
      await reference.warehouse.writeBatch(events, []);
      await Promise.all([warehouse.writeBatch(events, []), second.writeBatch(events.slice(3), [])]);
      // Different rows, different tokens: 26 events are stored twice until the parts merge...
      expect(await physicalRows(warehouse)).toBe(29 + 26);
      // ...and no answer counts them twice.
      expect(await everyAnswer(warehouse)).toEqual(await everyAnswer(reference.warehouse));
      // After a merge the copies are gone for good.
      await warehouse.client.command({ query: 'OPTIMIZE TABLE events FINAL' });
      expect(await physicalRows(warehouse)).toBe(29);
    } finally {
      await second.close();
      await reference.cleanup();
    }
  });

  it('a retried ingest (same messages, cut differently) reports the redelivered events as duplicates', async () => {
    const messages = messagesOf(shopEvents(), AS_OF);
    const pipeline = new IngestPipeline(warehouse);
    await pipeline.ingest(messages.slice(0, 20));
    await pipeline.ingest(messages.slice(10));
    await pipeline.close();
    expect(pipeline.totals).toMatchObject({ inserted: 29, duplicates: 10 });
    expect(await physicalRows(warehouse)).toBe(29);
  });
});
