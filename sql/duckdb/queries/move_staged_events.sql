-- INVARIANT: runs inside the batch transaction; event_id is the idempotency key, so a redelivered
-- event (in this batch or any earlier one) is ignored, never stored twice.
INSERT OR IGNORE INTO events
SELECT
  event_id::UUID, type, schema_version,
  make_timestamp(occurred_at_ms * 1000), make_timestamp(received_at_ms * 1000),
  sequence, cart_id, customer_id, anonymous_id, session_id, currency, channel,
  campaign_source, campaign_medium, campaign_name, consent_marketing,
  product_id, sku, product_name, category, brand, unit_price_minor, quantity, from_quantity, to_quantity,
  cart_value_minor, order_id, total_minor,
  from_json(order_items_json, '[{"product_id":"VARCHAR","quantity":"INTEGER","unit_price_minor":"BIGINT"}]'),
  source, payload::JSON
FROM stage_events;
