-- One cart's events up to as_of (replay order is applied by the caller, projections/replay.ts).
SELECT
  toString(event_id) AS event_id, type, toUnixTimestamp64Milli(occurred_at) AS occurred_at_ms, sequence,
  product_id, product_name, category, unit_price_minor, quantity, from_quantity, to_quantity,
  customer_id, anonymous_id, currency, channel, campaign_name, consent_marketing,
  cart_value_minor, order_id, total_minor
FROM events FINAL
WHERE cart_id = {cart_id:String} AND occurred_at <= fromUnixTimestamp64Milli({as_of_ms:Int64}, 'UTC');
