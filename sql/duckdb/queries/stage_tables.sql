-- Per-connection staging tables the appender fills; the write transaction moves them over.
CREATE TEMP TABLE IF NOT EXISTS stage_events (
  event_id VARCHAR, type VARCHAR, schema_version SMALLINT, occurred_at_ms BIGINT, received_at_ms BIGINT,
  sequence BIGINT, cart_id VARCHAR, customer_id VARCHAR, anonymous_id VARCHAR, session_id VARCHAR,
  currency VARCHAR, channel VARCHAR, campaign_source VARCHAR, campaign_medium VARCHAR, campaign_name VARCHAR,
  consent_marketing BOOLEAN, product_id VARCHAR, sku VARCHAR, product_name VARCHAR, category VARCHAR,
  brand VARCHAR, unit_price_minor BIGINT, quantity INTEGER, from_quantity INTEGER, to_quantity INTEGER,
  cart_value_minor BIGINT, order_id VARCHAR, total_minor BIGINT, order_items_json VARCHAR,
  source VARCHAR, payload VARCHAR
);
CREATE TEMP TABLE IF NOT EXISTS stage_rejected (
  received_at_ms BIGINT, source VARCHAR, source_ref VARCHAR, reason VARCHAR, field VARCHAR,
  detail VARCHAR, payload BLOB
);
