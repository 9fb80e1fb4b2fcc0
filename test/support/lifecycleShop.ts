import type { DeliverySettings } from '../../announce/deliver.ts';
import { DEFAULT_PAGE_CARTS, type DetectionSettings } from '../../announce/detect.ts';
import { AnnouncementLog } from '../../announce/log.ts';
import { IngestPipeline } from '../../ingest/pipeline/pipeline.ts';
import type { NamedWriter, Warehouse } from '../../sql/warehouse.ts';
import { AS_OF, HOUR, shopEvents } from '../fixtures/shop.ts';
import { tempClickHouse } from './tempClickHouse.ts';
import { tempDuckDb } from './tempStore.ts';
import { messagesOf } from './traffic.ts';

/** The lifecycle suites' settings and the hand-made shop's announcements, on both engines. */

export type LifecycleStore = { warehouse: Warehouse & NamedWriter; cleanup: () => Promise<void> };

/** Both engines, each store in its own temporary place (`label` names the ClickHouse one). */
export const lifecycleEngines = (label: string): [string, () => Promise<LifecycleStore>][] => [
  ['DuckDB', tempDuckDb],
  ['ClickHouse', () => tempClickHouse(label)],
];

/** Detection as the shop's tests do it: no lateness, the analytics' 24 h, the 7-day recovery window. */
export const SHOP_DETECTION: DetectionSettings = {
  abandonAfterMs: 24 * HOUR,
  recoveryWindowMs: 7 * 24 * HOUR,
  latenessMs: 0,
  receivedMarginMs: 0,
  pageCarts: DEFAULT_PAGE_CARTS,
};

/** Short waits (a test may shorten the backoff): what is tested is the order of what happens, not timing. */
export const FAST_DELIVERY: DeliverySettings = { timeoutMs: 10_000, maxAttempts: 8, minBackoffMs: 1, maxBackoffMs: 20, horizonMs: 100 * 365 * 24 * HOUR };

/**
 * Of the shop's 9 announcements (seq order: B, D, C, G, H abandoned; D reactivated, recovered; B recovered
 * by customer 2's order in F; E abandoned), the abandonments a campaign must not get: B and D (their
 * customers ordered since: cust-2 in F, cust-3 in D), C and G (anonymous), H (no consent). What is sent:
 * seqs 6 to 9.
 */
export const SHOP_SUPPRESSED = { ordered_since: 2, anonymous: 2, no_consent: 1 };

/** Stores the shop's events as received at its end, detects them, and gives the announcements' ids in seq order. */
export async function shopDetected(warehouse: Warehouse & NamedWriter): Promise<string[]> {
  const pipeline = new IngestPipeline(warehouse);
  await pipeline.ingest(messagesOf(shopEvents(), AS_OF));
  await pipeline.close();
  const log = new AnnouncementLog(warehouse);
  await log.detect(SHOP_DETECTION, AS_OF);
  return (await log.after(0, 100)).map((l) => l.announcement.id);
}
