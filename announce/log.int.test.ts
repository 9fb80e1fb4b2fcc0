import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import type { NamedWriter, Warehouse } from '../sql/warehouse.ts';
import { AS_OF, shopEvents } from '../test/fixtures/shop.ts';
import { messagesOf } from '../test/support/traffic.ts';
import { AnnouncementLog } from './log.ts';
import { lifecycleEngines, SHOP_DETECTION } from '../test/support/lifecycleShop.ts';

const SETTINGS = SHOP_DETECTION;

const engines = lifecycleEngines('lifecyclelog');

describe.each(engines)('the announcement log on %s', (_engine, open) => {
  let store: { warehouse: Warehouse & NamedWriter; cleanup: () => Promise<void> };
  let log: AnnouncementLog;
  beforeAll(async () => {
    store = await open();
    const pipeline = new IngestPipeline(store.warehouse);
    await pipeline.ingest(messagesOf(shopEvents(), AS_OF));
    await pipeline.close();
    log = new AnnouncementLog(store.warehouse);
  }, 120_000);
  afterAll(() => store?.cleanup());

  it('keeps the cursor of the last detection, and resumes from it', async () => {
    expect(await log.cursor()).toEqual({ watermarkMs: null, receivedMs: null });
    const first = await log.detect(SETTINGS, AS_OF);
    // The shop's last event is I's add at day 7, 23:30: the watermark (no lateness) stops there.
    expect(first.cursor).toEqual({ watermarkMs: AS_OF - 30 * 60_000, receivedMs: AS_OF });
    expect(await log.cursor()).toEqual(first.cursor);
    const kinds = (await log.after(0, 100)).map((l) => [l.seq, l.announcement.cart_id, l.announcement.kind]);
    expect(kinds).toEqual([
      [1, 'B', 'cart.abandoned'],
      [2, 'D', 'cart.abandoned'],
      [3, 'C', 'cart.abandoned'],
      [4, 'G', 'cart.abandoned'],
      [5, 'H', 'cart.abandoned'],
      [6, 'D', 'cart.reactivated'],
      [7, 'D', 'cart.recovered'],
      // Customer 2's order in F recovers B (another cart, within 7 days).
      [8, 'B', 'cart.recovered'],
      [9, 'E', 'cart.abandoned'],
    ]);
    // Again from the kept cursor: the carts looked at give the same ids, none kept twice.
    await log.detect(SETTINGS, AS_OF + 1);
    expect((await log.after(0, 100)).length).toBe(9);
    expect((await log.after(6, 1)).map((l) => l.seq)).toEqual([7]);
  });

  it("forgets a customer's announcements with their events", async () => {
    const named = async () => (await log.after(0, 100)).filter((l) => JSON.stringify(l.announcement).includes('cust-2')).map((l) => l.announcement.cart_id);
    expect(await named()).toEqual(['B', 'B']);
    await store.warehouse.forgetCustomer('cust-2');
    expect(await named()).toEqual([]);
    expect((await log.after(0, 100)).map((l) => l.announcement.cart_id)).toEqual(['D', 'C', 'G', 'H', 'D', 'D', 'E']);
  });
});
