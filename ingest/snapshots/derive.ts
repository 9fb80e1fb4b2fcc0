/**
 * Cart snapshots → v1 events, as a pure function of a cart's snapshots in order: each snapshot is diffed
 * against the one before it (none before the first: an empty, open cart).
 *
 * - a product in the snapshot and not before: `cart.item_added` (its quantity);
 * - a product before and not in the snapshot: `cart.item_removed` (the quantity it had; the line as it was);
 * - a product in both with another quantity: `cart.item_quantity_changed` (from → to);
 * - status becoming 'checkout': `cart.checkout_started` (the lines' value); becoming 'ordered':
 *   `order.placed` (order_id, total_minor or the lines' value, the lines). Nothing else is ever derived:
 *   a snapshot equal to the one before gives no event, a price alone changing gives none (v1 has no such event).
 *
 * Every derived event carries the snapshot's occurred_at and envelope, source `cart-snapshot` in the store,
 * and `derived: {from: 'cart_snapshot', snapshot_id}` in its payload (a key v1 does not name, which every
 * reader of the contract ignores). Its event_id is a hash of (cart, snapshot id, kind, product, and the
 * event's content): the same snapshots always give the same ids, and an event whose content a late snapshot
 * changes (1 → 3 becoming 2 → 3) gets a new id, so the stale one can be found and retracted (ingest.ts).
 */
import { createHash } from 'node:crypto';
import { MAX_AMOUNT_MINOR, SCHEMA_VERSION, type CartEvent, type Item } from '../contract/events.ts';
import { canonicalJson, linesValue, type KeptSnapshot, type SnapshotLine } from './snapshot.ts';

/** The `source` column of every derived event. */
export const SNAPSHOT_SOURCE = 'cart-snapshot';

/** A derived event: a v1 event plus the marker its payload carries. */
export type DerivedEvent = CartEvent & { derived: { from: 'cart_snapshot'; snapshot_id: string } };

/**
 * Within one snapshot, its events' ids start with this digit: events of one instant replay in event_id order
 * (projections/replay.ts), so removals come before changes, changes before additions, and the checkout and
 * the order after the lines they hold.
 */
const RANK = {
  'cart.item_removed': '1',
  'cart.item_quantity_changed': '2',
  'cart.item_added': '3',
  'cart.checkout_started': '4',
  'order.placed': '5',
} as const;

/** Orders a cart's snapshots: by occurred_at, then snapshot_id (two snapshots of one instant). */
export function snapshotOrder(a: KeptSnapshot, b: KeptSnapshot): number {
  return Date.parse(a.occurred_at) - Date.parse(b.occurred_at) || (a.snapshot_id < b.snapshot_id ? -1 : a.snapshot_id > b.snapshot_id ? 1 : 0);
}

/** Every event one cart's snapshots give, whatever order they are passed in. */
export function deriveCart(snapshots: readonly KeptSnapshot[]): DerivedEvent[] {
  const ordered = [...snapshots].sort(snapshotOrder);
  return ordered.flatMap((s, i) => deriveStep(i === 0 ? null : ordered[i - 1]!, s));
}

/** The events between two consecutive snapshots of a cart (`prev` null: the cart's first snapshot). */
export function deriveStep(prev: KeptSnapshot | null, cur: KeptSnapshot): DerivedEvent[] {
  const before = new Map((prev?.lines ?? []).map((l) => [l.product_id, l]));
  const now = new Map(cur.lines.map((l) => [l.product_id, l]));
  const out: DerivedEvent[] = [];
  const emit = (body: Record<string, unknown> & { type: CartEvent['type'] }, productId: string | null) => {
    const event = { ...envelopeOf(cur), ...body };
    const eventId = derivedId(cur, body.type, productId, event);
    out.push({ event_id: eventId, ...event, derived: { from: 'cart_snapshot', snapshot_id: cur.snapshot_id } } as DerivedEvent);
  };
  for (const [productId, was] of before) {
    if (!now.has(productId)) emit({ type: 'cart.item_removed', item: itemOf(was), quantity: was.quantity }, productId);
  }
  for (const [productId, line] of now) {
    const was = before.get(productId);
    if (was === undefined) emit({ type: 'cart.item_added', item: itemOf(line), quantity: line.quantity }, productId);
    else if (was.quantity !== line.quantity) {
      emit({ type: 'cart.item_quantity_changed', item: itemOf(line), from_quantity: was.quantity, to_quantity: line.quantity }, productId);
    }
  }
  const wasStatus = prev?.status ?? 'open';
  const status = cur.status ?? 'open';
  if (status === 'checkout' && wasStatus !== 'checkout') {
    const value = linesValue(cur.lines);
    emit({ type: 'cart.checkout_started', ...(value <= MAX_AMOUNT_MINOR ? { cart_value_minor: value } : {}) }, null);
  }
  if (status === 'ordered' && wasStatus !== 'ordered') {
    emit(
      {
        type: 'order.placed',
        order_id: cur.order_id!,
        total_minor: cur.total_minor ?? linesValue(cur.lines),
        items: cur.lines.map((l) => ({ product_id: l.product_id, quantity: l.quantity, unit_price_minor: l.unit_price_minor })),
      },
      null,
    );
  }
  return out;
}

function envelopeOf(s: KeptSnapshot) {
  return {
    schema_version: SCHEMA_VERSION,
    occurred_at: s.occurred_at,
    cart_id: s.cart_id,
    customer_id: s.customer_id ?? null,
    anonymous_id: s.anonymous_id ?? null,
    session_id: s.session_id ?? null,
    currency: s.currency,
    channel: s.channel,
    ...(s.campaign !== undefined ? { campaign: s.campaign } : {}),
    ...(s.consent_marketing !== undefined ? { consent: { marketing: s.consent_marketing } } : {}),
  };
}

function itemOf(l: SnapshotLine): Item {
  return {
    product_id: l.product_id,
    ...(l.sku !== undefined ? { sku: l.sku } : {}),
    ...(l.product_name !== undefined ? { name: l.product_name } : {}),
    ...(l.category !== undefined ? { category: l.category } : {}),
    ...(l.brand !== undefined ? { brand: l.brand } : {}),
    unit_price_minor: l.unit_price_minor,
  };
}

/**
 * A UUID from sha256(cart, snapshot id, kind, product, content): version 8 (RFC 9562, vendor-specific),
 * its first digit the kind's rank within the snapshot (RANK).
 */
function derivedId(s: KeptSnapshot, type: CartEvent['type'], productId: string | null, content: unknown): string {
  const h = createHash('sha256')
    .update(canonicalJson([s.cart_id, s.snapshot_id, type, productId, content]))
    .digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${RANK[type]}${h.slice(1, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
