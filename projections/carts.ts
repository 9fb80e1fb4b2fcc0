import type { Warehouse } from '../sql/warehouse.ts';
import { cartValue, EMPTY_CART, evolve, lineValue, replayOrder, statusOf, type CartState, type ReplayEvent } from './replay.ts';
import { labelled, productNames, type ProductLabel } from './productNames.ts';

export interface CartEventRow extends ReplayEvent {
  customer_id: string | null;
  anonymous_id: string | null;
  currency: string;
  channel: string;
  campaign_name: string | null;
  consent_marketing: boolean | null;
  cart_value_minor: number | null;
  order_id: string | null;
  total_minor: number | null;
}

/** A cart's stored events with occurred_at ≤ as_of, in replay order. */
export async function cartEvents(warehouse: Warehouse, cartId: string, asOfMs: number): Promise<CartEventRow[]> {
  const rows = await warehouse.query('cart_events', { cart_id: cartId, as_of_ms: asOfMs });
  return replayOrder(rows);
}

export interface CartView {
  cart_id: string;
  as_of: string;
  status: string;
  stage: string | null;
  currency: string | null;
  value_minor: number;
  items: number;
  units: number;
  lines: { product_id: string; product_name: string | null; category: string | null; quantity: number; unit_price_minor: number; value_minor: number }[];
  customer_id: string | null;
  anonymous_id: string | null;
  channel: string | null;
  campaign: string | null;
  consent_marketing: boolean | null;
  started_at: string | null;
  last_activity_at: string | null;
  checkout_started_at: string | null;
  ordered_at: string | null;
  events: number;
  anomalies: number;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The cart as of asOfMs; `names` are the products' (productNames), else each line's own events' latest. */
export function viewOf(
  cartId: string,
  events: readonly CartEventRow[],
  state: CartState,
  asOfMs: number,
  abandonMs: number,
  names: ReadonlyMap<string, ProductLabel> = new Map(),
): CartView {
  const { status, stage } = statusOf(state, asOfMs, abandonMs);
  const last = <K extends keyof CartEventRow>(k: K) => {
    for (let i = events.length - 1; i >= 0; i--) if (events[i]![k] !== null) return events[i]![k];
    return null;
  };
  const lines = labelled([...state.lines.values()], names)
    .sort((a, b) => (a.product_id < b.product_id ? -1 : 1))
    .map((l) => ({ ...l, value_minor: lineValue(l) }));
  return {
    cart_id: cartId,
    as_of: new Date(asOfMs).toISOString(),
    status,
    stage,
    currency: (last('currency') as string | null) ?? null,
    value_minor: cartValue(state),
    items: lines.length,
    units: lines.reduce((s, l) => s + l.quantity, 0),
    lines,
    customer_id: last('customer_id') as string | null,
    anonymous_id: last('anonymous_id') as string | null,
    channel: events[0]?.channel ?? null,
    campaign: events.find((e) => e.campaign_name !== null)?.campaign_name ?? null,
    consent_marketing: last('consent_marketing') as boolean | null,
    started_at: iso(state.started_at),
    last_activity_at: iso(state.last_activity_at),
    checkout_started_at: iso(state.checkout_started_at),
    ordered_at: iso(state.ordered_at),
    events: state.events,
    anomalies: state.anomalies,
  };
}

/** The cart as it stood at as_of, or null when no event of it is visible then. */
export async function cartAsOf(warehouse: Warehouse, cartId: string, asOfMs: number, abandonMs: number): Promise<CartView | null> {
  const events = await cartEvents(warehouse, cartId, asOfMs);
  if (events.length === 0) return null;
  return viewOf(cartId, events, events.reduce(evolve, EMPTY_CART), asOfMs, abandonMs, await namesOf(warehouse, events, asOfMs));
}

/** The names of the cart's products as of the answer's as_of (one name per product in an answer). */
function namesOf(warehouse: Warehouse, events: readonly CartEventRow[], asOfMs: number): Promise<Map<string, ProductLabel>> {
  return productNames(
    warehouse,
    events.flatMap((e) => (e.product_id === null ? [] : [e.product_id])),
    asOfMs,
  );
}

/** Every event of the cart with the cart right after it: the cart's story. */
export async function cartTimeline(warehouse: Warehouse, cartId: string, asOfMs: number, abandonMs: number) {
  const events = await cartEvents(warehouse, cartId, asOfMs);
  if (events.length === 0) return null;
  const names = await namesOf(warehouse, events, asOfMs);
  let state = EMPTY_CART;
  const timeline = events.map((e, i) => {
    const before = state.anomalies;
    state = evolve(state, e);
    const view = viewOf(cartId, events.slice(0, i + 1), state, e.occurred_at_ms, abandonMs, names);
    return {
      position: i + 1,
      event_id: e.event_id,
      type: e.type,
      occurred_at: new Date(e.occurred_at_ms).toISOString(),
      sequence: e.sequence,
      product_id: e.product_id,
      quantity: e.quantity,
      from_quantity: e.from_quantity,
      to_quantity: e.to_quantity,
      unit_price_minor: e.unit_price_minor,
      anomaly: state.anomalies > before,
      after: { items: view.items, units: view.units, value_minor: view.value_minor, lines: view.lines },
    };
  });
  return { cart: viewOf(cartId, events, state, asOfMs, abandonMs, names), timeline };
}
