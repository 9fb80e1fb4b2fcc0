-- The replay of every cart, materialised: one row per event with the fold's results (quantities before
-- and after, lines held, anomaly) in the cart's order. Recomputed per cart when new events of the cart
-- arrive (carts listed in replay_dirty), so answers read it with cheap aggregates instead of re-running
-- window functions over every event. docs/metrics.md says why an as-of prefix of it is exact.
CREATE TABLE IF NOT EXISTS cart_replay (
  event_id          UUID NOT NULL,
  cart_id           VARCHAR NOT NULL,
  ord               BIGINT NOT NULL,
  t                 BIGINT NOT NULL,
  next_t            BIGINT,
  type              VARCHAR NOT NULL,
  sequence          BIGINT,
  customer_id       VARCHAR,
  anonymous_id      VARCHAR,
  currency          VARCHAR NOT NULL,
  channel           VARCHAR NOT NULL,
  campaign_name     VARCHAR,
  consent_marketing BOOLEAN,
  product_id        VARCHAR,
  product_name      VARCHAR,
  category          VARCHAR,
  unit_price_minor  BIGINT,
  quantity          INTEGER,
  from_quantity     INTEGER,
  to_quantity       INTEGER,
  qty_before        BIGINT,
  qty_after         BIGINT,
  lines_held        BIGINT NOT NULL,
  units_held        BIGINT NOT NULL,
  value_held        BIGINT NOT NULL,
  anomaly           BOOLEAN NOT NULL,
  orders_before     BIGINT NOT NULL,
  -- Whether every as-of prefix of this cart's rows is exact: time never goes backwards along the cart's
  -- order, and the cart does not mix events with and without sequence. Carts where it is not are
  -- replayed live at query time.
  prefix_safe       BOOLEAN NOT NULL
);

-- Carts with events not yet folded into cart_replay.
CREATE TABLE IF NOT EXISTS replay_dirty (cart_id VARCHAR NOT NULL);
INSERT INTO replay_dirty (cart_id) SELECT DISTINCT cart_id FROM events;
