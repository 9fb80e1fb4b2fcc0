-- Cart snapshots (POST /v1/cart-snapshots, the Shopify webhooks): each cart's whole contents as the shop
-- sent them, kept as received (validated), one row per (cart, snapshot id). The events derived from them
-- (ingest/snapshots/derive.ts) are in `events` with source 'cart-snapshot'; these rows are what they are
-- derived from again when a late snapshot arrives, so they are kept for as long as the cart's events are.
-- The first snapshot stored under an id wins, as events do.
CREATE TABLE IF NOT EXISTS cart_snapshots (
  cart_id        VARCHAR NOT NULL,
  snapshot_id    VARCHAR NOT NULL,
  occurred_at_ms BIGINT NOT NULL,
  received_at_ms BIGINT NOT NULL,
  source         VARCHAR NOT NULL,
  customer_id    VARCHAR,
  anonymous_id   VARCHAR,
  snapshot       JSON NOT NULL,
  PRIMARY KEY (cart_id, snapshot_id)
);
