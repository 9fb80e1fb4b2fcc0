import type { CartEvent, Item } from '../contract/events.ts';
import type { Product } from './catalogue.ts';
import type { Rng } from './prng.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** What the simulator itself believes a cart holds: product → quantity and unit price. */
export type SimLines = Map<string, { quantity: number; unit_price_minor: number }>;

export interface CartStory {
  cart_id: string;
  events: CartEvent[];
  /** The simulator's own cart state right after each event (same index); replay must agree with it. */
  states: SimLines[];
}

export interface ShopContext {
  rng: Rng;
  catalogue: readonly Product[];
  /** Known customers are drawn from a pool, so one customer has several carts over time. */
  customerPool: number;
}

const CHANNELS = [
  ['web', 55],
  ['app', 30],
  ['store', 5],
  ['marketplace', 10],
] as const;
const CAMPAIGNS = [
  { source: 'google', medium: 'cpc', name: 'power-tools-autumn' },
  { source: 'newsletter', medium: 'email', name: 'weekly-deals' },
  { source: 'facebook', medium: 'social', name: 'garden-season' },
  { source: 'instagram', medium: 'social', name: 'diy-ideas' },
  { source: 'idealo', medium: 'affiliate', name: 'price-compare' },
] as const;
const CURRENCIES = [
  ['EUR', 85, 1],
  ['CHF', 10, 0.95],
  ['GBP', 5, 0.86],
] as const;

/**
 * One cart's whole story, from its first add to its order or its abandonment: sessions of adds,
 * removals and quantity changes, sometimes days apart, then checkout and order, or nothing.
 */
export function generateCart(ctx: ShopContext, startMs: number): CartStory {
  const { rng, catalogue } = ctx;
  const cart_id = `cart-${rng.uuid()}`;
  const known = rng.chance(0.62);
  const customer_id = known ? `cust-${String(rng.int(1, ctx.customerPool)).padStart(6, '0')}` : null;
  const channel = rng.weighted(CHANNELS);
  const anonymous_id = channel === 'store' ? null : `anon-${rng.uuid().slice(0, 18)}`;
  const campaign = rng.chance(0.45) ? { ...rng.pick(CAMPAIGNS) } : undefined;
  const consentGiven = known ? rng.chance(0.55) : rng.chance(0.3);
  const consent = known || rng.chance(0.6) ? { marketing: consentGiven } : undefined;
  const [currency, , rate] = rng.weighted(CURRENCIES.map((c) => [c, c[1]] as const));

  const lines: SimLines = new Map();
  const removed: Product[] = [];
  const events: CartEvent[] = [];
  const states: SimLines[] = [];
  let t = startMs;
  let session_id = rng.uuid();

  const envelope = () => ({
    event_id: rng.uuid(),
    schema_version: 1 as const,
    occurred_at: new Date(t).toISOString(),
    sequence: events.length,
    cart_id,
    customer_id,
    anonymous_id,
    session_id,
    currency,
    channel,
    ...(campaign ? { campaign } : {}),
    ...(consent ? { consent } : {}),
  });
  const price = (p: Product) => Math.max(1, Math.round((p.price_eur_minor * rate) / 5) * 5 - 1);
  const itemOf = (p: Product): Item => ({
    product_id: p.product_id,
    sku: p.sku,
    name: p.name,
    category: p.category,
    brand: p.brand,
    unit_price_minor: price(p),
  });
  const emit = (e: CartEvent) => {
    events.push(e);
    states.push(new Map([...lines].map(([k, v]) => [k, { ...v }])));
  };
  const byId = new Map(catalogue.map((p) => [p.product_id, p]));
  const value = () => [...lines.values()].reduce((s, l) => s + l.quantity * l.unit_price_minor, 0);

  const add = (p: Product) => {
    const quantity = Math.max(1, Math.round(p.typical_quantity * (0.5 + rng.next() * 1.5)));
    const unit = price(p);
    const held = lines.get(p.product_id);
    lines.set(p.product_id, { quantity: (held?.quantity ?? 0) + quantity, unit_price_minor: unit });
    emit({ ...envelope(), type: 'cart.item_added', item: itemOf(p), quantity });
  };
  const remove = () => {
    const held = [...lines.keys()];
    const id = rng.weighted(held.map((h) => [h, byId.get(h)!.removal_affinity] as const));
    const p = byId.get(id)!;
    const quantity = lines.get(id)!.quantity;
    lines.delete(id);
    removed.push(p);
    emit({ ...envelope(), type: 'cart.item_removed', item: itemOf(p), quantity });
  };
  const change = () => {
    const id = rng.pick([...lines.keys()]);
    const p = byId.get(id)!;
    const line = lines.get(id)!;
    const down = line.quantity > 1 && rng.chance(0.45 * p.removal_affinity);
    const to = down ? rng.int(1, line.quantity - 1) : line.quantity + rng.int(1, Math.max(1, p.typical_quantity));
    const from = line.quantity;
    line.quantity = to;
    emit({ ...envelope(), type: 'cart.item_quantity_changed', item: itemOf(p), from_quantity: from, to_quantity: to });
  };
  // Popular products get most of the traffic (a skewed pick, like a real shop's long tail).
  const browse = () => catalogue[Math.floor(rng.next() * rng.next() * catalogue.length)]!;

  const sessions = rng.weighted([
    [1, 70],
    [2, 22],
    [3, 8],
  ] as const);
  for (let s = 0; s < sessions; s++) {
    if (s > 0) {
      // Coming back: an hour later, the next evening, or after a long weekend.
      t += Math.round(
        rng.weighted([
          [2 * HOUR, 3],
          [20 * HOUR, 4],
          [4 * 24 * HOUR, 2],
        ] as const) *
          (0.5 + rng.next()),
      );
      session_id = rng.uuid();
    }
    const actions = rng.int(1, 6);
    for (let a = 0; a < actions; a++) {
      if (events.length > 0) t += Math.max(1_000, Math.round(rng.exp(1.5 * MINUTE)));
      const kind =
        lines.size === 0
          ? 'add'
          : rng.weighted([
              ['add', 55],
              ['change', 17],
              ['remove', 18],
              ['readd', removed.length > 0 ? 6 : 0],
            ] as const);
      if (kind === 'add') add(browse());
      else if (kind === 'change') change();
      else if (kind === 'remove') remove();
      else {
        const p = rng.pick(removed);
        if (lines.has(p.product_id)) add(browse());
        else add(p);
      }
    }
  }

  if (lines.size > 0 && rng.chance(0.52)) {
    t += Math.round(rng.exp(3 * MINUTE)) + 5_000;
    emit({ ...envelope(), type: 'cart.checkout_started', cart_value_minor: value() });
    if (rng.chance(0.12) && lines.size > 0) {
      t += Math.round(rng.exp(MINUTE)) + 2_000;
      remove();
    }
    if (lines.size > 0 && rng.chance(0.68)) {
      t += Math.round(rng.exp(4 * MINUTE)) + 10_000;
      const items = [...lines].map(([product_id, l]) => ({ product_id, quantity: l.quantity, unit_price_minor: l.unit_price_minor }));
      emit({ ...envelope(), type: 'order.placed', order_id: `ord-${rng.uuid().slice(0, 13)}`, total_minor: value(), items });
    }
  }
  return { cart_id, events, states };
}
