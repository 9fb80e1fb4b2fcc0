import { createHash } from 'node:crypto';
import type { CartEventRow } from './carts.ts';
import { cartValue, EMPTY_CART, evolve, lineValue, type CartState } from './replay.ts';

/**
 * A cart's lifecycle as carrello's own domain events (issue 13), derived by a pure walk over the cart's
 * events: the reference the engines' detection is held to, as evolve() is for the cart model.
 * docs/metrics.md ("Cart lifecycle") says the rules in words, with a worked example.
 *
 * The abandonment rule is the analytics' own: the cart as of an instant is abandoned when statusOf (replay.ts)
 * says so of its events up to that instant, folded in replay order (holding items, no order, idle for
 * abandon_after since its latest occurred_at). Each stretch of instants where it is, is an episode,
 * numbered from 1 in time, certain once the stream's watermark has passed its first instant: an order or
 * any cart event that occurred before then and arrives within the allowed lateness lands before the
 * watermark passes it.
 * The cart model's `recovered` measures its idle gaps differently (from each event's own time to the next
 * event's in replay order, `longest_idle_holding_ms`): the two differ only for a cart whose clock runs
 * backwards along its sequence.
 */

export type LifecycleKind = 'cart.abandoned' | 'cart.reactivated' | 'cart.recovered';

export interface LifecycleRules {
  abandonAfterMs: number;
}

/** A line of the cart when it was abandoned. */
export interface AbandonedLine {
  product_id: string;
  product_name: string | null;
  category: string | null;
  quantity: number;
  unit_price_minor: number;
  value_minor: number;
}

/** A product taken out of the cart before it was abandoned: what a snapshot tool cannot tell. */
export interface RemovedProduct {
  product_id: string;
  product_name: string | null;
  unit_price_minor: number;
  quantity: number;
  removed_at_ms: number;
  after_checkout: boolean;
}

/** A quantity lowered before the cart was abandoned. */
export interface ReducedQuantity {
  product_id: string;
  from_quantity: number;
  to_quantity: number;
  reduced_at_ms: number;
}

interface Common {
  /** Deterministic: the same cart, episode and kind give the same id on every replay, worker and engine. */
  id: string;
  kind: LifecycleKind;
  cart_id: string;
  episode: number;
  /** When it happened (epoch ms): the abandonment instant, or the event that followed it. */
  at_ms: number;
  customer_id: string | null;
  anonymous_id: string | null;
}

export interface Abandoned extends Common {
  kind: 'cart.abandoned';
  stage: 'cart' | 'checkout';
  last_activity_at_ms: number;
  currency: string;
  channel: string;
  campaign: string | null;
  consent_marketing: boolean | null;
  lines: AbandonedLine[];
  value_minor: number;
  units: number;
  first_added_at_ms: number | null;
  removed: RemovedProduct[];
  reduced: ReducedQuantity[];
  /** The customer's abandonments before this one (any of their carts, this one's earlier episodes included). */
  earlier_abandonments: number;
  /** … of which recovered by the time of this one. */
  earlier_recoveries: number;
  /** The newest EARLIER_LISTED of them, newest first. */
  earlier: EarlierEpisode[];
}

/** One of the customer's earlier abandonments, as it stood when the new one happened. */
export interface EarlierEpisode {
  cart_id: string;
  episode: number;
  abandoned_at_ms: number;
  value_minor: number;
  currency: string;
  /** When an order recovered it (its own cart's or another's), if that was before the new abandonment. */
  recovered_at_ms: number | null;
}

export interface Reactivated extends Common {
  kind: 'cart.reactivated';
  /** The event that brought the customer back, and its campaign (the UTM a recovery is credited to). */
  event_id: string;
  event_type: string;
  campaign: string | null;
  ms_since_abandoned: number;
}

export interface Recovered extends Common {
  kind: 'cart.recovered';
  order_id: string | null;
  order_event_id: string;
  total_minor: number | null;
  currency: string;
  campaign: string | null;
  ms_since_abandoned: number;
  /** The customer's other cart whose order recovered this one (null: this cart's own order). */
  via_cart_id: string | null;
}

export type Announcement = Abandoned | Reactivated | Recovered;

/** A fixed namespace for lifecycle ids (a UUID v5 of carrello's own; never change it: ids would change). */
const NAMESPACE = Buffer.from('6f1c2a4e9d3b4f5a8c7e0b1d2a3c4e5f', 'hex');

/** The id of (cart, episode, kind): a UUID version 5 (RFC 9562, SHA-1 in a namespace). */
export function lifecycleId(cartId: string, episode: number, kind: LifecycleKind): string {
  const hash = createHash('sha1').update(NAMESPACE).update(`${kind}\n${episode}\n${cartId}`, 'utf8').digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * The stream's watermark: the latest occurred_at seen, less the allowed lateness. Every instant at or
 * before it is settled: an event that occurred by then and is not later than the lateness has arrived.
 */
export function watermarkOf(latestOccurredAtMs: number | null, latenessMs: number): number | null {
  return latestOccurredAtMs === null ? null : latestOccurredAtMs - latenessMs;
}

/**
 * Every announcement of one cart settled by the watermark, in time: each abandonment whose instant the
 * watermark has passed, the cart's first event after it if that is not an order (reactivated: the customer
 * came back), and the cart's order after it (recovered, reactivated or not before), each once the
 * watermark has passed its event too. A new idle period is a new episode. `events` are the cart's stored
 * events in replay order (replayOrder()).
 *
 * The cart as of an instant X is what the analytics fold as of X: its events with occurred_at <= X, in
 * replay order. It is abandoned as of X when statusOf says so; an episode starts at the first instant of
 * such a stretch (its last activity + abandon_after, strictly before the next event) and carries the cart
 * as of then. Walking the instants in time, not the events in replay order, is what makes the watermark
 * settle an announcement: in a cart ordered by sequence whose clock runs backwards, a late event can take
 * a place early in the order, but never an instant already passed (it arrived within the lateness).
 */
export function cartLifecycle(cartId: string, events: readonly CartEventRow[], watermarkMs: number | null, rules: LifecycleRules): Announcement[] {
  const out: Announcement[] = [];
  if (watermarkMs === null) return out;
  const times = [...new Set(events.map((e) => e.occurred_at_ms))].sort((x, y) => x - y);
  const asOf = new AsOf(events);
  let episode = 0;
  // The latest abandonment not yet recovered, and whether the customer has come back to it since.
  let open: Abandoned | null = null;
  let reactivated = false;
  for (let j = 0; j < times.length; j++) {
    const t = times[j]!;
    // Not settled: an event of an earlier instant may still arrive (a return or an order told too early
    // could name the wrong event).
    if (t > watermarkMs) return out;
    const now = asOf.at(t);
    if (open !== null) {
      const first = events.find((e) => e.occurred_at_ms === t && (now.cart.ordered_at === null || e.type === 'order.placed'))!;
      if (now.cart.ordered_at !== null) {
        out.push(followUp(open, first));
        open = null;
      } else if (!reactivated) {
        out.push(followUp(open, first));
        reactivated = true;
      }
    }
    if (now.cart.ordered_at !== null || now.cart.lines.size === 0) continue;
    const at = t + rules.abandonAfterMs;
    const next = times[j + 1];
    if (next !== undefined && next <= at) continue;
    // Not settled: an event arriving late may still fall inside the idle stretch, and all after it depends on it.
    if (at > watermarkMs) return out;
    episode += 1;
    open = abandoned(cartId, episode, at, now.cart, now.latest!, now.story);
    reactivated = false;
    out.push(open);
  }
  return out;
}

/**
 * The cart as of each instant, folded in replay order. While the events up to an instant are a prefix of
 * that order (time follows it: the usual case) the fold goes on from the last instant; otherwise the events
 * up to the instant are folded again from the start.
 */
class AsOf {
  cart: CartState = EMPTY_CART;
  latest: Latest | null = null;
  story = new Story();
  /** The fold holds events [0, prefix) of the order; NaN when it holds another set. */
  private prefix = 0;

  constructor(private readonly events: readonly CartEventRow[]) {}

  /** The cart as of instant t; instants are asked in increasing order. */
  at(t: number): this {
    let count = 0;
    let last = -1;
    this.events.forEach((e, i) => {
      if (e.occurred_at_ms <= t) {
        count += 1;
        last = i;
      }
    });
    const isPrefix = last === count - 1;
    if (!isPrefix || !(this.prefix <= count)) {
      this.cart = EMPTY_CART;
      this.latest = null;
      this.story = new Story();
      for (const e of this.events) if (e.occurred_at_ms <= t) this.apply(e);
      this.prefix = isPrefix ? count : Number.NaN;
      return this;
    }
    for (let i = this.prefix; i < count; i++) this.apply(this.events[i]!);
    this.prefix = count;
    return this;
  }

  private apply(e: CartEventRow): void {
    this.story.note(this.cart, e);
    this.cart = evolve(this.cart, e);
    this.latest = latestOf(this.latest, e);
  }
}

function followUp(open: Abandoned, e: CartEventRow): Reactivated | Recovered {
  const common = {
    cart_id: open.cart_id,
    episode: open.episode,
    at_ms: e.occurred_at_ms,
    customer_id: e.customer_id ?? open.customer_id,
    anonymous_id: e.anonymous_id ?? open.anonymous_id,
    campaign: e.campaign_name,
    ms_since_abandoned: e.occurred_at_ms - open.at_ms,
  };
  if (e.type === 'order.placed') {
    return {
      ...common,
      id: lifecycleId(open.cart_id, open.episode, 'cart.recovered'),
      kind: 'cart.recovered',
      order_id: e.order_id,
      order_event_id: e.event_id,
      total_minor: e.total_minor,
      currency: e.currency,
      via_cart_id: null,
    };
  }
  return { ...common, id: lifecycleId(open.cart_id, open.episode, 'cart.reactivated'), kind: 'cart.reactivated', event_id: e.event_id, event_type: e.type };
}

interface Latest {
  customer_id: string | null;
  anonymous_id: string | null;
  currency: string;
  channel: string;
  campaign: string | null;
  consent_marketing: boolean | null;
}

/**
 * The cart's identity and context as the cart model gives them (docs/metrics.md, "A cart's dates and
 * status"): the channel of its first event, the first campaign it carries, the latest customer, anonymous
 * id and consent it carries, the currency of its latest event.
 */
function latestOf(l: Latest | null, e: CartEventRow): Latest {
  return {
    customer_id: e.customer_id ?? l?.customer_id ?? null,
    anonymous_id: e.anonymous_id ?? l?.anonymous_id ?? null,
    currency: e.currency,
    channel: l?.channel ?? e.channel,
    campaign: l?.campaign ?? e.campaign_name,
    consent_marketing: e.consent_marketing ?? l?.consent_marketing ?? null,
  };
}

function abandoned(cartId: string, episode: number, at: number, cart: CartState, latest: Latest, story: Story): Abandoned {
  const lines = [...cart.lines.values()]
    .sort((a, b) => (a.product_id < b.product_id ? -1 : a.product_id > b.product_id ? 1 : 0))
    .map((l) => ({ ...l, value_minor: lineValue(l) }));
  return {
    id: lifecycleId(cartId, episode, 'cart.abandoned'),
    kind: 'cart.abandoned',
    cart_id: cartId,
    episode,
    at_ms: at,
    customer_id: latest.customer_id,
    anonymous_id: latest.anonymous_id,
    stage: cart.checkout_started_at !== null ? 'checkout' : 'cart',
    last_activity_at_ms: cart.last_activity_at!,
    currency: latest.currency,
    channel: latest.channel,
    campaign: latest.campaign,
    consent_marketing: latest.consent_marketing,
    lines,
    value_minor: cartValue(cart),
    units: lines.reduce((n, l) => n + l.quantity, 0),
    first_added_at_ms: story.firstAddedAt,
    removed: [...story.removed],
    reduced: [...story.reduced],
    earlier_abandonments: 0,
    earlier_recoveries: 0,
    earlier: [],
  };
}

/** What happened to the cart's lines on the way: removals and lowered quantities, in the cart's order. */
class Story {
  firstAddedAt: number | null = null;
  readonly removed: RemovedProduct[] = [];
  readonly reduced: ReducedQuantity[] = [];

  /** Notes event `e`, applied to the cart as it stood before it. */
  note(before: CartState, e: CartEventRow): void {
    if (e.type === 'cart.item_added' && this.firstAddedAt === null) this.firstAddedAt = e.occurred_at_ms;
    const held = e.product_id === null ? undefined : before.lines.get(e.product_id);
    if (e.type === 'cart.item_removed' && held) {
      this.removed.push({
        product_id: held.product_id,
        product_name: held.product_name,
        unit_price_minor: held.unit_price_minor,
        quantity: held.quantity,
        removed_at_ms: e.occurred_at_ms,
        after_checkout: before.checkout_started_at !== null,
      });
    }
    if (e.type === 'cart.item_quantity_changed' && held && e.to_quantity !== null && e.to_quantity < held.quantity) {
      this.reduced.push({ product_id: held.product_id, from_quantity: held.quantity, to_quantity: e.to_quantity, reduced_at_ms: e.occurred_at_ms });
    }
  }
}
