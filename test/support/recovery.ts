import { deliver, type DeliverySettings } from '../../announce/deliver.ts';
import { AnnouncementLog } from '../../announce/log.ts';
import { IngestPipeline } from '../../ingest/pipeline/pipeline.ts';
import type { CartEvent } from '../../ingest/contract/events.ts';
import type { NamedWriter, Warehouse } from '../../sql/warehouse.ts';
import { AS_OF, CartBuilder, HOUR, shopEvents } from '../fixtures/shop.ts';
import { newSecret } from '../../announce/signature.ts';
import { messagesOf } from './traffic.ts';
import { SHOP_DETECTION } from './lifecycleShop.ts';

/**
 * The hand-made shop's lifecycle as the recovery report reads it: its events, detected into the log and
 * delivered to a real HTTP receiver (which acknowledges everything), each step at a chosen instant so
 * that the log's detected_at and the acknowledgements' times are known (docs/metrics.md, "Recovery report").
 */

const DETECTION = SHOP_DETECTION;
const SETTINGS: DeliverySettings = { timeoutMs: 10_000, maxAttempts: 3, minBackoffMs: 1, maxBackoffMs: 10, horizonMs: 100 * 365 * 24 * HOUR };

/** Stores events, detects and delivers them to the endpoint "campaigns" (default settings), all at `atMs`. */
export async function storeDetectDeliver(warehouse: Warehouse & NamedWriter, events: readonly CartEvent[], atMs: number, url: string) {
  const pipeline = new IngestPipeline(warehouse);
  await pipeline.ingest(messagesOf(events, atMs));
  await pipeline.close();
  await new AnnouncementLog(warehouse).detect(DETECTION, atMs);
  return deliver(warehouse, { name: 'campaigns', url, secrets: [newSecret()] }, SETTINGS, { now: () => atMs });
}

/** The shop at AS_OF: 9 announcements, of which the endpoint acknowledges D's return and recovery, B's recovery by F and E's abandonment. */
export const shopAtAsOf = (warehouse: Warehouse & NamedWriter, url: string) => storeDetectDeliver(warehouse, shopEvents(), AS_OF, url);

/**
 * A day later: E's customer comes back to E an hour after AS_OF through the campaign "winback" (adds
 * screws) and orders an hour later (the hose and the screws, 3,316 + 474 = 3,790 CHF cents).
 */
export function eComesBack(): CartEvent[] {
  const e = new CartBuilder({ cart_id: 'E', customer_id: 'cust-1', channel: 'store', currency: 'CHF', campaign: 'winback', consent: true });
  return e
    .add(AS_OF + HOUR, 'P2', 1)
    .order(AS_OF + 2 * HOUR, [
      ['P5', 1],
      ['P2', 1],
    ])
    .events.map((ev, i) => ({ ...ev, event_id: `00000000-0000-4000-8000-e0000000000${i}` }));
}
