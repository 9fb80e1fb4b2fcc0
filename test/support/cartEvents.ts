import { randomUUID } from 'node:crypto';
import type { InboundMessage } from '../../ingest/pipeline/message.ts';

/**
 * Contract-valid cart events for tests, written briefly:
 *   const c = cart('c1', { customer: 'u1', channel: 'app' });
 *   c.add('2026-03-01T10:00:00Z', { category: 'garden' }); c.checkout('…'); c.order('…');
 * Each cart numbers its events' sequence unless told not to; `seq` overrides one event's.
 */
export interface CartOptions {
  customer?: string | null;
  channel?: 'web' | 'app' | 'store' | 'marketplace';
  currency?: string;
  campaign?: string;
  /** false: events carry no sequence (the cart orders by its clock). */
  sequenced?: boolean;
}

export interface EventOptions {
  product?: string;
  /** The item's name as the event carries it (none by default). */
  name?: string;
  category?: string;
  seq?: number;
  channel?: CartOptions['channel'];
  campaign?: string;
}

export interface ToyCart {
  add(at: string, o?: EventOptions): ToyCart;
  remove(at: string, o?: EventOptions): ToyCart;
  change(at: string, o?: EventOptions): ToyCart;
  checkout(at: string, o?: EventOptions): ToyCart;
  order(at: string, o?: EventOptions): ToyCart;
  events: Record<string, unknown>[];
}

export function cart(id: string, opts: CartOptions = {}): ToyCart {
  const events: Record<string, unknown>[] = [];
  const envelope = (type: string, at: string, o: EventOptions) => {
    const campaign = o.campaign ?? opts.campaign;
    return {
      event_id: randomUUID(),
      type,
      schema_version: 1,
      occurred_at: new Date(Date.parse(at)).toISOString(),
      cart_id: id,
      customer_id: opts.customer === undefined ? `cust-${id}` : opts.customer,
      currency: opts.currency ?? 'EUR',
      channel: o.channel ?? opts.channel ?? 'web',
      ...(campaign ? { campaign: { source: 'newsletter', medium: 'email', name: campaign } } : {}),
      ...(opts.sequenced === false ? {} : { sequence: o.seq ?? events.length }),
    };
  };
  const item = (o: EventOptions) => ({
    product_id: o.product ?? 'P1',
    ...(o.name ? { name: o.name } : {}),
    ...(o.category ? { category: o.category } : {}),
    unit_price_minor: 1000,
  });
  // Each step records its event and hands back the cart, so steps chain.
  const push = (event: Record<string, unknown>): ToyCart => {
    events.push(event);
    return c;
  };
  const c: ToyCart = {
    events,
    add: (at, o = {}) => push({ ...envelope('cart.item_added', at, o), item: item(o), quantity: 1 }),
    remove: (at, o = {}) => push({ ...envelope('cart.item_removed', at, o), item: item(o), quantity: 1 }),
    change: (at, o = {}) => push({ ...envelope('cart.item_quantity_changed', at, o), item: item(o), from_quantity: 1, to_quantity: 2 }),
    checkout: (at, o = {}) => push({ ...envelope('cart.checkout_started', at, o), cart_value_minor: 1000 }),
    order: (at, o = {}) =>
      push({
        ...envelope('order.placed', at, o),
        order_id: `ord-${id}`,
        total_minor: 1000,
        items: [{ product_id: 'P1', quantity: 1, unit_price_minor: 1000 }],
      }),
  };
  return c;
}

/** The carts' events as pipeline messages. */
export function messages(...carts: ToyCart[]): InboundMessage[] {
  return carts
    .flatMap((c) => c.events)
    .map((e, i) => {
      const text = JSON.stringify(e);
      return { raw: Buffer.from(text), parsed: { json: e, text }, source: 'test', sourceRef: `test#${i}`, receivedAtMs: Date.now() };
    });
}
