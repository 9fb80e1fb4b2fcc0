import type { CartEventRow } from './carts.ts';
import { cartLifecycle, lifecycleId, type Abandoned, type Announcement, type LifecycleRules, type Recovered } from './lifecycle.ts';

/**
 * The cart lifecycle across a customer's carts (issue 13): recoveries by the customer's order in another
 * cart, and each abandonment's earlier ones. Built on cartLifecycle() (one cart's own announcements);
 * docs/metrics.md says the rules in words.
 */

/** The rules across a customer's carts: an order in another cart within this long recovers an abandonment. */
export interface CustomerRules extends LifecycleRules {
  recoveryWindowMs: number;
}

/** The attribution window of a recovery by another cart (docs/metrics.md): 7 days, as campaign tools credit. */
export const DEFAULT_RECOVERY_WINDOW_MS = 7 * 86_400_000;

/** How many of the customer's earlier abandonments an abandonment carries (the newest; the counts are whole). */
export const EARLIER_LISTED = 10;

/** A cart and its stored events in replay order (replayOrder()). */
export interface CartHistory {
  cartId: string;
  events: readonly CartEventRow[];
}

/**
 * Every announcement of a customer's carts settled by the watermark (`carts`: every cart holding an event
 * with one of the customer ids involved; anonymous carts alone). Each cart's own announcements
 * (cartLifecycle), and across the carts:
 * - an order that does not recover its own cart recovers the customer's latest abandonment of another cart
 *   that happened less than `recoveryWindowMs` before it (at most that long; 7 days by default) and is not
 *   recovered yet: `cart.recovered` of that cart's episode, with `via_cart_id`. One order recovers one
 *   abandonment, so recovered values add up to orders. Once recovered, an episode has no further return or
 *   recovery (its own cart's later order is an order, not a second recovery); its cart's later episodes are
 *   its own.
 * - each abandonment carries the customer's earlier abandonments (any cart, earlier instant; at the same
 *   instant, a smaller cart id or episode) and which of them were recovered by its instant.
 * The customer of an abandonment is the cart's latest customer id as of it; of an order, the order event's,
 * else the latest before it in the cart's order. Everything told is settled: an order recovers once the
 * watermark passed it, and every abandonment it could go to happened before it.
 */
export function customerLifecycle(carts: readonly CartHistory[], watermarkMs: number | null, rules: CustomerRules): Announcement[] {
  if (watermarkMs === null) return [];
  const lists = carts.map((c) => cartLifecycle(c.cartId, c.events, watermarkMs, rules));
  const episodes = new Map<string, Episode>();
  const byCustomer = new Map<string, Episode[]>();
  // The orders that recover their own cart's episode (unless another cart's order recovered it first).
  const ownRecovery = new Map<string, Episode>();
  for (const list of lists) {
    for (const a of list) {
      if (a.kind === 'cart.abandoned') {
        const ep: Episode = { a, recoveredAt: null, by: null };
        episodes.set(`${a.cart_id}\n${a.episode}`, ep);
        if (a.customer_id !== null) {
          const mine = byCustomer.get(a.customer_id);
          if (mine) mine.push(ep);
          else byCustomer.set(a.customer_id, [ep]);
        }
      } else if (a.kind === 'cart.recovered') {
        ownRecovery.set(a.order_event_id, episodes.get(`${a.cart_id}\n${a.episode}`)!);
      }
    }
  }
  // The orders in time: each recovers its own cart's episode, or else at most one of another cart.
  for (const o of settledOrders(carts, watermarkMs)) {
    const t = o.event.occurred_at_ms;
    const own = ownRecovery.get(o.event.event_id);
    if (own !== undefined && own.recoveredAt === null) {
      own.recoveredAt = t;
      continue;
    }
    let best: Episode | null = null;
    for (const ep of byCustomer.get(o.customer) ?? []) {
      if (ep.recoveredAt !== null || ep.a.cart_id === o.cartId || !(ep.a.at_ms < t && t <= ep.a.at_ms + rules.recoveryWindowMs)) continue;
      if (best === null || laterEpisode(ep.a, best.a)) best = ep;
    }
    if (best === null) continue;
    best.recoveredAt = t;
    best.by = byOtherCart(best.a, o);
  }
  const out: Announcement[] = [];
  for (const list of lists) {
    for (const a of list) {
      if (a.kind === 'cart.abandoned') {
        out.push(a.customer_id === null ? a : withEarlier(a, byCustomer.get(a.customer_id)!));
        continue;
      }
      const ep = episodes.get(`${a.cart_id}\n${a.episode}`)!;
      // Recovered by another cart first: its own cart's later order or return is not told of this episode.
      if (ep.by === null || (a.kind === 'cart.reactivated' && a.at_ms <= ep.by.at_ms)) out.push(a);
    }
  }
  for (const ep of episodes.values()) if (ep.by !== null) out.push(ep.by);
  return out;
}

interface Episode {
  a: Abandoned;
  /** When it was recovered (by its own cart's order or another's), once known. */
  recoveredAt: number | null;
  /** Its recovery by another cart's order. */
  by: Recovered | null;
}

interface Order {
  cartId: string;
  event: CartEventRow;
  customer: string;
}

/** The orders the watermark has passed, of a known customer, in time (then cart and event id). */
function settledOrders(carts: readonly CartHistory[], watermarkMs: number): Order[] {
  const orders: Order[] = [];
  for (const c of carts) {
    let customer: string | null = null;
    for (const e of c.events) {
      customer = e.customer_id ?? customer;
      if (e.type === 'order.placed' && e.occurred_at_ms <= watermarkMs && customer !== null) orders.push({ cartId: c.cartId, event: e, customer });
    }
  }
  return orders.sort((x, y) => x.event.occurred_at_ms - y.event.occurred_at_ms || cmp(x.cartId, y.cartId) || cmp(x.event.event_id, y.event.event_id));
}

function cmp(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Whether abandonment x comes after y: by instant, then cart id, then episode. */
function laterEpisode(x: Abandoned, y: Abandoned): boolean {
  return (x.at_ms - y.at_ms || cmp(x.cart_id, y.cart_id) || x.episode - y.episode) > 0;
}

function byOtherCart(a: Abandoned, o: Order): Recovered {
  const e = o.event;
  return {
    id: lifecycleId(a.cart_id, a.episode, 'cart.recovered'),
    kind: 'cart.recovered',
    cart_id: a.cart_id,
    episode: a.episode,
    at_ms: e.occurred_at_ms,
    customer_id: o.customer,
    anonymous_id: a.anonymous_id,
    campaign: e.campaign_name,
    ms_since_abandoned: e.occurred_at_ms - a.at_ms,
    order_id: e.order_id,
    order_event_id: e.event_id,
    total_minor: e.total_minor,
    currency: e.currency,
    via_cart_id: o.cartId,
  };
}

function withEarlier(a: Abandoned, mine: readonly Episode[]): Abandoned {
  const earlier = mine.filter((ep) => laterEpisode(a, ep.a)).sort((x, y) => (laterEpisode(x.a, y.a) ? -1 : 1));
  const recovered = (ep: Episode) => ep.recoveredAt !== null && ep.recoveredAt <= a.at_ms;
  return {
    ...a,
    earlier_abandonments: earlier.length,
    earlier_recoveries: earlier.filter(recovered).length,
    earlier: earlier.slice(0, EARLIER_LISTED).map((ep) => ({
      cart_id: ep.a.cart_id,
      episode: ep.a.episode,
      abandoned_at_ms: ep.a.at_ms,
      value_minor: ep.a.value_minor,
      currency: ep.a.currency,
      recovered_at_ms: recovered(ep) ? ep.recoveredAt : null,
    })),
  };
}
