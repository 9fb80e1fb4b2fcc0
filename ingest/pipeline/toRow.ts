import type { CartEvent } from '../contract/events.ts';
import type { EventRow } from '../../sql/rows.ts';

/** Step 3: a valid event → the warehouse row (typed columns plus the original payload). */
export function toRow(event: CartEvent, payload: string, source: string, receivedAtMs: number): EventRow {
  const item = 'item' in event ? event.item : undefined;
  return {
    event_id: event.event_id.toLowerCase(),
    type: event.type,
    schema_version: event.schema_version,
    occurred_at_ms: Date.parse(event.occurred_at),
    received_at_ms: receivedAtMs,
    sequence: event.sequence ?? null,
    cart_id: event.cart_id,
    customer_id: event.customer_id ?? null,
    anonymous_id: event.anonymous_id ?? null,
    session_id: event.session_id ?? null,
    currency: event.currency,
    channel: event.channel,
    campaign_source: event.campaign?.source ?? null,
    campaign_medium: event.campaign?.medium ?? null,
    campaign_name: event.campaign?.name ?? null,
    consent_marketing: event.consent?.marketing ?? null,
    product_id: item?.product_id ?? null,
    sku: item?.sku ?? null,
    product_name: item?.name ?? null,
    category: item?.category ?? null,
    brand: item?.brand ?? null,
    unit_price_minor: item?.unit_price_minor ?? null,
    quantity: event.type === 'cart.item_added' || event.type === 'cart.item_removed' ? event.quantity : null,
    from_quantity: event.type === 'cart.item_quantity_changed' ? event.from_quantity : null,
    to_quantity: event.type === 'cart.item_quantity_changed' ? event.to_quantity : null,
    cart_value_minor: event.type === 'cart.checkout_started' ? (event.cart_value_minor ?? null) : null,
    order_id: event.type === 'order.placed' ? event.order_id : null,
    total_minor: event.type === 'order.placed' ? event.total_minor : null,
    order_items_json:
      event.type === 'order.placed'
        ? JSON.stringify(event.items.map((l) => ({ product_id: l.product_id, quantity: l.quantity, unit_price_minor: l.unit_price_minor })))
        : null,
    source,
    payload,
  };
}
