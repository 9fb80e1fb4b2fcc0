/**
 * Cart replay as a pure fold: evolve(cart, event) → cart. The SQL cart model
 * (sql/<dialect>/views/*cart_model.sql) computes the same thing set-wise; a parity test holds them equal.
 */

/** The fields of a stored event that replay reads. Times are epoch milliseconds (UTC). */
export interface ReplayEvent {
  event_id: string;
  type: string;
  occurred_at_ms: number;
  sequence: number | null;
  product_id: string | null;
  product_name?: string | null;
  category?: string | null;
  unit_price_minor: number | null;
  quantity: number | null;
  from_quantity: number | null;
  to_quantity: number | null;
}

export interface CartLine {
  product_id: string;
  product_name: string | null;
  category: string | null;
  quantity: number;
  unit_price_minor: number;
}

export interface CartState {
  /** Lines with quantity > 0, by product_id. */
  readonly lines: ReadonlyMap<string, CartLine>;
  readonly started_at: number | null;
  readonly last_activity_at: number | null;
  readonly checkout_started_at: number | null;
  readonly ordered_at: number | null;
  readonly anomalies: number;
  readonly events: number;
}

export const EMPTY_CART: CartState = {
  lines: new Map(),
  started_at: null,
  last_activity_at: null,
  checkout_started_at: null,
  ordered_at: null,
  anomalies: 0,
  events: 0,
};

const min = (a: number | null, b: number) => (a === null ? b : Math.min(a, b));

/** Applies one event. Events that do not fit are applied as far as they can be and counted as anomalies. */
export function evolve(cart: CartState, e: ReplayEvent): CartState {
  let lines = cart.lines;
  let anomalies = cart.anomalies;
  const base = {
    ...cart,
    last_activity_at: cart.last_activity_at === null ? e.occurred_at_ms : Math.max(cart.last_activity_at, e.occurred_at_ms),
    events: cart.events + 1,
  };
  const held = e.product_id === null ? undefined : lines.get(e.product_id);
  const setLine = (quantity: number) => {
    const next = new Map(lines);
    if (quantity > 0) {
      next.set(e.product_id!, {
        product_id: e.product_id!,
        product_name: e.product_name ?? held?.product_name ?? null,
        category: e.category ?? held?.category ?? null,
        quantity,
        unit_price_minor: e.unit_price_minor ?? held?.unit_price_minor ?? 0,
      });
    } else next.delete(e.product_id!);
    lines = next;
  };
  switch (e.type) {
    case 'cart.item_added':
      setLine((held?.quantity ?? 0) + (e.quantity ?? 0));
      return { ...base, lines, started_at: min(cart.started_at, e.occurred_at_ms) };
    case 'cart.item_removed':
      if (!held) anomalies += 1;
      else setLine(0);
      return { ...base, lines, anomalies };
    case 'cart.item_quantity_changed':
      if ((held?.quantity ?? 0) !== e.from_quantity) anomalies += 1;
      setLine(e.to_quantity ?? 0);
      return { ...base, lines, anomalies };
    case 'cart.checkout_started':
      return { ...base, checkout_started_at: min(cart.checkout_started_at, e.occurred_at_ms) };
    case 'order.placed':
      return { ...base, ordered_at: min(cart.ordered_at, e.occurred_at_ms) };
    default:
      return base;
  }
}

/**
 * A cart's events in replay order: by sequence when every event has one, otherwise by occurred_at;
 * event_id breaks ties.
 */
export function replayOrder<E extends ReplayEvent>(events: readonly E[]): E[] {
  const bySequence = events.length > 0 && events.every((e) => e.sequence !== null);
  return [...events].sort(
    (a, b) =>
      (bySequence ? a.sequence! - b.sequence! : 0) || a.occurred_at_ms - b.occurred_at_ms || (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0),
  );
}

/**
 * The ceiling of every money value carrello answers: 2^53 - 1, the largest integer a JSON reader holds
 * exactly. Values are computed exactly (BigInt here, HUGEINT / Int128 in SQL) and one past it answers
 * the ceiling, on every engine alike: the contract keeps real values far below it, but a store may hold
 * events from before its bounds (docs/metrics.md, "Money values").
 */
export const MAX_VALUE_MINOR = Number.MAX_SAFE_INTEGER;
const CEILING = BigInt(MAX_VALUE_MINOR);

const saturated = (v: bigint): number => (v >= CEILING ? MAX_VALUE_MINOR : Number(v));

/** A line's value, quantity × unit price, saturated at MAX_VALUE_MINOR. */
export function lineValue(line: Pick<CartLine, 'quantity' | 'unit_price_minor'>): number {
  return saturated(BigInt(line.quantity) * BigInt(line.unit_price_minor));
}

/** A cart's value, Σ quantity × unit price over its lines, saturated at MAX_VALUE_MINOR. */
export function cartValue(cart: CartState): number {
  let v = 0n;
  for (const l of cart.lines.values()) v += BigInt(l.quantity) * BigInt(l.unit_price_minor);
  return saturated(v);
}

/** The sum of two values, saturated at MAX_VALUE_MINOR (each is at most that, so the sum is exact first). */
export function addValues(a: number, b: number): number {
  return saturated(BigInt(a) + BigInt(b));
}

export type CartStatus = 'converted' | 'abandoned' | 'emptied' | 'open';

export function statusOf(cart: CartState, asOfMs: number, abandonMs: number): { status: CartStatus; stage: 'cart' | 'checkout' | null } {
  if (cart.ordered_at !== null) return { status: 'converted', stage: null };
  if (cart.lines.size >= 1 && cart.last_activity_at !== null && asOfMs - cart.last_activity_at >= abandonMs) {
    return { status: 'abandoned', stage: cart.checkout_started_at !== null ? 'checkout' : 'cart' };
  }
  if (cart.lines.size === 0) return { status: 'emptied', stage: null };
  return { status: 'open', stage: null };
}
