import type { CartEventRow } from '../projections/carts.ts';
import { customerLifecycle, type CartHistory } from '../projections/customerLifecycle.ts';
import { watermarkOf, type Announcement } from '../projections/lifecycle.ts';
import { withCatalogueNames } from '../projections/productNames.ts';
import { replayOrder } from '../projections/replay.ts';
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
  /** An order of the customer in another cart within this long after an abandonment recovers it. */
  recoveryWindowMs: number;
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
  const latest = head?.latest_occurred_ms ?? null;
  const received = head?.latest_received_ms ?? null;
  const now = watermarkOf(latest, s.latenessMs);
  if (now === null) return { watermarkMs: cursor.watermarkMs, announcements: [], carts: 0, cursor };
  // Never backwards: erasing a customer's newest events must not announce again what was settled.
  const watermark = cursor.watermarkMs === null ? now : Math.max(cursor.watermarkMs, now);
  // A gap's instant crossing (previous watermark, watermark] lies after an event of its cart that occurred
  // after the previous watermark less abandon_after (the event that starts the gap, or one after it).
  const since = cursor.watermarkMs === null ? BEFORE_ALL_MS : cursor.watermarkMs - s.abandonAfterMs;
  const receivedAfter = cursor.receivedMs === null ? BEFORE_ALL_MS : cursor.receivedMs - s.receivedMarginMs;
  const candidates = (await warehouse.query('lifecycle_carts', { since_ms: since, received_after_ms: receivedAfter })).map((r) => r.cart_id);
  // With every cart of their customers (the first detection has them all already), a customer's carts in one page.
  const groups = await customerGroups(warehouse, candidates, cursor.watermarkMs === null);
  const rules = { abandonAfterMs: s.abandonAfterMs, recoveryWindowMs: s.recoveryWindowMs };
  const announcements: Announcement[] = [];
  let looked = 0;
  // A page of carts at a time: the first detection of a large store looks at every cart.
  for (const page of pages(groups, s.pageCarts)) {
    const rows = await warehouse.query('lifecycle_events', { carts: JSON.stringify(page.flat()) });
    const byCart = new Map<string, CartEventRow[]>();
    for (const { cart_id: id, ...event } of rows) {
      let events = byCart.get(id);
      if (events === undefined) {
        events = [];
        byCart.set(id, events);
      }
      events.push(event);
    }
    const folded: Announcement[] = [];
    for (const group of page) {
      const carts: CartHistory[] = group.filter((id) => byCart.has(id)).map((id) => ({ cartId: id, events: replayOrder(byCart.get(id)!) }));
      folded.push(...customerLifecycle(carts, watermark, rules));
    }
    // The catalogue's product names where it has them (docs/metrics.md, "Product names").
    const found = await withCatalogueNames(warehouse, folded);
    looked += byCart.size;
    announcements.push(...found);
    if (onPage && found.length > 0) await onPage(found);
  }
  const carts = looked;
  return {
    watermarkMs: watermark,
    announcements,
    carts,
    cursor: { watermarkMs: watermark, receivedMs: Math.max(received ?? BEFORE_ALL_MS, cursor.receivedMs ?? BEFORE_ALL_MS) },
  };
}

/**
 * The carts to look at, in groups that share a customer (each group is worked out together; an anonymous
 * cart is a group of its own): the candidates, and every cart of their customers, and theirs, until no new
 * cart comes (a cart rarely holds two customer ids, so one or two reads).
 */
async function customerGroups(warehouse: Warehouse, candidates: string[], complete: boolean): Promise<string[][]> {
  const parent = new Map<string, string>(candidates.map((c) => [c, c]));
  const root = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  const join = (x: string, y: string) => {
    const [a, b] = [root(x), root(y)];
    if (a === b) return;
    // the later id joins the earlier (ids are strings: Math.min and Math.max do not apply)
    const [earlier, later] = a < b ? [a, b] : [b, a];
    parent.set(later, earlier);
  };
  const customerCart = new Map<string, string>();
  let fresh = candidates;
  while (fresh.length > 0) {
    const pairs = await warehouse.query('lifecycle_customer_carts', { carts: complete ? '[]' : JSON.stringify(fresh), all: complete ? 1 : 0 });
    const next: string[] = [];
    for (const p of pairs) {
      const { cart_id: cart, customer_id: customer } = p;
      if (!parent.has(cart)) {
        parent.set(cart, cart);
        next.push(cart);
      }
      const seen = customerCart.get(customer);
      if (seen === undefined) customerCart.set(customer, cart);
      else join(seen, cart);
    }
    // The first detection asked for every cart: the pairs of all of them came at once.
    fresh = complete ? [] : next;
  }
  const groups = new Map<string, string[]>();
  for (const cart of [...parent.keys()].sort()) {
    const r = root(cart);
    const group = groups.get(r);
    if (group) group.push(cart);
    else groups.set(r, [cart]);
  }
  return [...groups.values()];
}

/** Groups into pages of about `size` carts (a group larger than a page is a page of its own). */
function* pages(groups: string[][], size: number): Generator<string[][]> {
  let page: string[][] = [];
  let n = 0;
  for (const g of groups) {
    if (n > 0 && n + g.length > size) {
      yield page;
      page = [];
      n = 0;
    }
    page.push(g);
    n += g.length;
  }
  if (n > 0) yield page;
}
