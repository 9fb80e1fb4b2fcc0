-- The raw events of [from_ms, to_ms) by occurred_at, as the export hands them out (Arrow and Parquet):
-- typed columns, times as UTC instants (TIMESTAMP WITH TIME ZONE, so Parquet marks them adjusted to UTC),
-- event_id as text for portability, and the stored original payload. Not exposed to /v1/sql.
CREATE OR REPLACE MACRO events_export(from_ms, to_ms) AS TABLE
SELECT
  CAST(event_id AS VARCHAR) AS event_id, type, schema_version,
  timezone('UTC', occurred_at) AS occurred_at, timezone('UTC', received_at) AS received_at,
  sequence, cart_id, customer_id, anonymous_id, session_id, currency, channel,
  campaign_source, campaign_medium, campaign_name, consent_marketing,
  product_id, sku, product_name, category, brand, unit_price_minor, quantity, from_quantity, to_quantity,
  cart_value_minor, order_id, total_minor, order_items, source,
  CAST(payload AS VARCHAR) AS payload
FROM events
WHERE occurred_at >= epoch_ms(CAST(from_ms AS BIGINT)) AND occurred_at < epoch_ms(CAST(to_ms AS BIGINT));
