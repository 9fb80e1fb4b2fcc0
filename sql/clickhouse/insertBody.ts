import type { EventRow, RejectedRow } from '../rows.ts';

/** ClickHouse's basic DateTime64 text: `2026-03-02 09:15:00.123`, read in the column's zone (UTC). */
export const chTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 23);

/**
 * A batch of events as one JSONEachRow body for the events table: a JSON array of row objects, which
 * JSONEachRow reads as well as one object per line. One JSON.stringify over the whole batch costs about
 * half of one per row joined with newlines (which is what the client's insert does), and serialising the
 * insert was the largest part of a worker's own CPU time (docs/benchmarks.md, ingest profile).
 */
export function eventsBody(events: readonly EventRow[]): string {
  const values = new Array<ReturnType<typeof eventValues>>(events.length);
  let receivedMs = NaN;
  let received = '';
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    // A batch usually shares one receive time: format it once.
    if (e.received_at_ms !== receivedMs) {
      receivedMs = e.received_at_ms;
      received = chTime(receivedMs);
    }
    values[i] = eventValues(e, received);
  }
  return JSON.stringify(values);
}

function eventValues(e: EventRow, receivedAt: string) {
  return {
    event_id: e.event_id,
    type: e.type,
    schema_version: e.schema_version,
    occurred_at: chTime(e.occurred_at_ms),
    received_at: receivedAt,
    sequence: e.sequence,
    cart_id: e.cart_id,
    customer_id: e.customer_id,
    anonymous_id: e.anonymous_id,
    session_id: e.session_id,
    currency: e.currency,
    channel: e.channel,
    campaign_source: e.campaign_source,
    campaign_medium: e.campaign_medium,
    campaign_name: e.campaign_name,
    consent_marketing: e.consent_marketing,
    product_id: e.product_id,
    sku: e.sku,
    product_name: e.product_name,
    category: e.category,
    brand: e.brand,
    unit_price_minor: e.unit_price_minor,
    quantity: e.quantity,
    from_quantity: e.from_quantity,
    to_quantity: e.to_quantity,
    cart_value_minor: e.cart_value_minor,
    order_id: e.order_id,
    total_minor: e.total_minor,
    order_items: e.order_items_json === null ? [] : (JSON.parse(e.order_items_json) as unknown[]),
    source: e.source,
    payload: e.payload,
  };
}

export function rejectedValues(r: RejectedRow) {
  return {
    received_at: chTime(r.received_at_ms),
    source: r.source,
    source_ref: r.source_ref,
    reason: r.reason,
    field: r.field,
    detail: r.detail,
    payload_hex: Buffer.from(r.payload).toString('hex'),
  };
}
