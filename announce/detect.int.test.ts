import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CartEvent } from '../ingest/contract/events.ts';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import { toRow } from '../ingest/pipeline/toRow.ts';
import { customerLifecycle } from '../projections/customerLifecycle.ts';
import { watermarkOf, type Announcement } from '../projections/lifecycle.ts';
import { replayOrder } from '../projections/replay.ts';
import type { Warehouse } from '../sql/warehouse.ts';
import { tempClickHouse } from '../test/support/tempClickHouse.ts';
import { tempDuckDb } from '../test/support/tempStore.ts';
import { disturbedTraffic, messagesOf } from '../test/support/traffic.ts';
import type { NamedWriter } from '../sql/warehouse.ts';
import type { DetectionSettings } from './detect.ts';
import { AnnouncementLog, type LoggedAnnouncement } from './log.ts';
import { wireOf } from './wire.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.parse('2026-05-04T00:00:00.000Z');
// Pages of 37 carts: every detection reads several pages (the shop's stream looks at ~300 carts a time).
const SETTINGS: DetectionSettings = { abandonAfterMs: DAY, recoveryWindowMs: 7 * DAY, latenessMs: 4 * HOUR, receivedMarginMs: 0, pageCarts: 37 };
/** Every event arrives within this long after it occurred: less than the lateness less one batch. */
const MAX_DELAY = 2 * HOUR;

/**
 * A stream as a broker would carry it: six days of disturbed simulated traffic, each event arriving up to
 * two hours after it occurred (a fixed delay per event), delivered in one batch per hour of arrival.
 */
function stream(): { events: CartEvent[]; batches: { receivedAtMs: number; events: CartEvent[] }[] } {
  const events = disturbedTraffic({ seed: 'lifecycle', startMs: START, days: 6, cartsPerDay: 250 });
  const arrival = (e: CartEvent, i: number) => Date.parse(e.occurred_at) + ((i * 7_919) % MAX_DELAY);
  const byHour = new Map<number, CartEvent[]>();
  events.forEach((e, i) => {
    const hour = Math.floor(arrival(e, i) / HOUR) + 1;
    const batch = byHour.get(hour);
    if (batch) batch.push(e);
    else byHour.set(hour, [e]);
  });
  const batches = [...byHour.entries()].sort(([a], [b]) => a - b).map(([hour, list]) => ({ receivedAtMs: hour * HOUR, events: list }));
  return { events, batches };
}

/** Every announcement the whole stream gives as of a watermark, all carts at once: the reference. */
function reference(events: readonly CartEvent[], watermarkMs: number): Map<string, Announcement> {
  const byCart = new Map<string, CartEvent[]>();
  for (const e of events) {
    const cart = byCart.get(e.cart_id);
    if (cart) cart.push(e);
    else byCart.set(e.cart_id, [e]);
  }
  const carts = [...byCart].map(([cartId, list]) => ({ cartId, events: replayOrder(list.map((e) => toRow(e, '', 'test', 0))) }));
  return new Map(customerLifecycle(carts, watermarkMs, SETTINGS).map((a) => [a.id, a]));
}

const engines: [string, () => Promise<{ warehouse: Warehouse & NamedWriter; cleanup: () => Promise<void> }>][] = [
  ['DuckDB', tempDuckDb],
  ['ClickHouse', () => tempClickHouse('lifecycle')],
];

const found: Record<string, Map<string, Announcement>> = {};

describe.each(engines)('lifecycle detection on %s, as the stream advances', (engine, open) => {
  let store: { warehouse: Warehouse & NamedWriter; cleanup: () => Promise<void> };
  let log: AnnouncementLog;
  const { events, batches } = stream();
  let finalWatermark = 0;
  let detections = 0;
  let looked = 0;

  beforeAll(async () => {
    store = await open();
    const pipeline = new IngestPipeline(store.warehouse);
    log = new AnnouncementLog(store.warehouse);
    const announced = new Map<string, Announcement>();
    for (const batch of batches) {
      await pipeline.ingest(messagesOf(batch.events, batch.receivedAtMs));
      // From the cursor the last detection kept in the store.
      const d = await log.detect(SETTINGS, batch.receivedAtMs);
      for (const a of d.announcements) {
        // An id once found keeps its content: what was announced is never announced differently.
        if (announced.has(a.id)) expect(a).toEqual(announced.get(a.id));
        announced.set(a.id, a);
      }
      detections += 1;
      looked += d.carts;
      finalWatermark = d.watermarkMs!;
    }
    await pipeline.close();
    found[engine] = announced;
  }, 600_000);
  afterAll(() => store?.cleanup());

  it('finds, hour by hour, exactly what the whole stream gives at the last watermark', () => {
    const latest = Math.max(...events.map((e) => Date.parse(e.occurred_at)));
    expect(finalWatermark).toBe(watermarkOf(latest, SETTINGS.latenessMs));
    const want = reference(events, finalWatermark);
    const kinds = (m: Map<string, Announcement>) => {
      const n: Record<string, number> = {};
      for (const a of m.values()) n[a.kind] = (n[a.kind] ?? 0) + 1;
      return n;
    };
    // Every kind occurs, in numbers that make the comparison mean something.
    expect(kinds(want)['cart.abandoned']).toBeGreaterThan(200);
    expect(kinds(want)['cart.reactivated']).toBeGreaterThan(10);
    expect(kinds(want)['cart.recovered']).toBeGreaterThan(10);
    // Recoveries by the customer's order in another cart (10), abandonments that carry earlier ones (39).
    const told = [...want.values()];
    expect(told.filter((a) => a.kind === 'cart.recovered' && a.via_cart_id !== null).length).toBeGreaterThan(5);
    expect(told.filter((a) => a.kind === 'cart.abandoned' && a.earlier_abandonments > 0).length).toBeGreaterThan(20);
    expect(kinds(found[engine]!)).toEqual(kinds(want));
    expect([...found[engine]!.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [id, a] of want) expect(found[engine]!.get(id)).toEqual(a);
  });

  it('keeps each announcement once in the feed, numbered 1, 2, … in the order found, each cart in its order', async () => {
    const feed: LoggedAnnouncement[] = [];
    for (let page = await log.after(0, 100); page.length > 0; page = await log.after(page.at(-1)!.seq, 100)) feed.push(...page);
    expect(feed.map((f) => f.seq)).toEqual(feed.map((_, i) => i + 1));
    expect(new Map(feed.map((f) => [f.announcement.id, f.announcement]))).toEqual(new Map([...found[engine]!].map(([id, a]) => [id, wireOf(a)])));
    const lastAt = new Map<string, number>();
    for (const { announcement: a } of feed) {
      expect(Date.parse(a.at)).toBeGreaterThanOrEqual(lastAt.get(a.cart_id) ?? -Infinity);
      lastAt.set(a.cart_id, Date.parse(a.at));
    }
    // A detection that finds nothing new keeps nothing new, and moves no seq.
    await log.detect(SETTINGS, Date.now());
    expect(await log.after(feed.length, 10)).toEqual([]);
  });

  it('looks at the carts the stream moved, not at every cart at every detection', () => {
    const carts = new Set(events.map((e) => e.cart_id)).size;
    // The first detection looks at none (nothing settled yet needs all); each later one at the carts of
    // about a day and a half: far fewer than every cart times every detection.
    expect(detections).toBeGreaterThan(100);
    expect(looked).toBeLessThan((carts * detections) / 3);
  });
});

describe('lifecycle detection on both engines', () => {
  it('announces the same things under the same ids', () => {
    expect(found.ClickHouse!.size).toBeGreaterThan(0);
    expect([...found.ClickHouse!.entries()].sort(([a], [b]) => (a < b ? -1 : 1))).toEqual([...found.DuckDB!.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  });
});
