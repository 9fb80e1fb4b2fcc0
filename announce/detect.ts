import { toCartEventRow, type CartEventRow } from '../projections/carts.ts';
import { cartLifecycle, watermarkOf, type Announcement } from '../projections/lifecycle.ts';
import { replayOrder } from '../projections/replay.ts';
import { toIntOrNull, toStr } from '../projections/rows.ts';
import type { Warehouse } from '../sql/warehouse.ts';

/**
 * One detection of cart lifecycle announcements as the stream advances (issue 13): the store's watermark
 * now, and the announcements of every cart that may have something new since the last detection, by the
 * rules of projections/lifecycle.ts. The same code over the same named queries on both engines, so both
 * announce the same things under the same ids. Detection is idempotent: a cart looked at again gives the
 * same ids, so a restart from an older cursor repeats, never loses (the outbox that keeps what was found
 * and delivers it is not built yet: docs/lifecycle.md).
 */

export interface DetectionSettings {
  abandonAfterMs: number;
  /** How late an event may arrive (after the newest one seen) and still be taken into account. */
  latenessMs: number;
  /**
   * How long an insert may take to land after its events were stamped received: events stamped up to this
   * long before the last detection's newest are looked at again.
   */
  receivedMarginMs: number;
  /** Carts whose events one read takes (DEFAULT_PAGE_CARTS): bounds the memory of a detection. */
  pageCarts: number;
}

export const DEFAULT_PAGE_CARTS = 5_000;

/** Where the last detection stood: its watermark and the newest received_at it saw (null: never ran). */
export interface DetectionCursor {
  watermarkMs: number | null;
  receivedMs: number | null;
}

export const FIRST_DETECTION: DetectionCursor = { watermarkMs: null, receivedMs: null };

export interface Detection {
  /** The watermark this detection settled up to (null: an empty store). */
  watermarkMs: number | null;
  /** Every announcement of the carts looked at, settled by the watermark (known ones included). */
  announcements: Announcement[];
  carts: number;
  cursor: DetectionCursor;
}

/** The contract's earliest instant (1900-01-01): before every stored event. */
const BEFORE_ALL_MS = Date.parse('1900-01-01T00:00:00.000Z');

/**
 * `onPage`, when given, receives each page's announcements as soon as they are found (the log saves them
 * then: a save's size is bounded by a page, and a detection cut short keeps what it saved, found again
 * from the old cursor next time).
 */
export async function detectAnnouncements(
  warehouse: Warehouse,
  cursor: DetectionCursor,
  s: DetectionSettings,
  onPage?: (page: Announcement[]) => Promise<void>,
): Promise<Detection> {
  const [head] = await warehouse.query('lifecycle_watermark');
  const latest = toIntOrNull(head?.latest_occurred_ms);
  const received = toIntOrNull(head?.latest_received_ms);
  const now = watermarkOf(latest, s.latenessMs);
  if (now === null) return { watermarkMs: cursor.watermarkMs, announcements: [], carts: 0, cursor };
  // Never backwards: erasing a customer's newest events must not announce again what was settled.
  const watermark = cursor.watermarkMs === null ? now : Math.max(cursor.watermarkMs, now);
  // A gap's instant crossing (previous watermark, watermark] lies after an event of its cart that occurred
  // after the previous watermark less abandon_after (the event that starts the gap, or one after it).
  const since = cursor.watermarkMs === null ? BEFORE_ALL_MS : cursor.watermarkMs - s.abandonAfterMs;
  const receivedAfter = cursor.receivedMs === null ? BEFORE_ALL_MS : cursor.receivedMs - s.receivedMarginMs;
  const candidates = (await warehouse.query('lifecycle_carts', { since_ms: since, received_after_ms: receivedAfter })).map((r) => toStr(r.cart_id));
  const announcements: Announcement[] = [];
  // A page of carts at a time: the first detection of a large store looks at every cart.
  for (let i = 0; i < candidates.length; i += s.pageCarts) {
    const rows = await warehouse.query('lifecycle_events', { carts: JSON.stringify(candidates.slice(i, i + s.pageCarts)) });
    // Rows come ordered by cart: one pass, one cart at a time.
    let cartId: string | null = null;
    let events: CartEventRow[] = [];
    const flush = () => {
      if (cartId !== null) announcements.push(...cartLifecycle(cartId, replayOrder(events), watermark, { abandonAfterMs: s.abandonAfterMs }));
    };
    const before = announcements.length;
    for (const r of rows) {
      const id = toStr(r.cart_id);
      if (id !== cartId) {
        flush();
        cartId = id;
        events = [];
      }
      events.push(toCartEventRow(r));
    }
    flush();
    if (onPage && announcements.length > before) await onPage(announcements.slice(before));
  }
  const carts = candidates.length;
  return { watermarkMs: watermark, announcements, carts, cursor: { watermarkMs: watermark, receivedMs: Math.max(received ?? BEFORE_ALL_MS, cursor.receivedMs ?? BEFORE_ALL_MS) } };
}
