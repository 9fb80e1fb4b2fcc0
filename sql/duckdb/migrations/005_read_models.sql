-- Read models kept by the writer's refresh (queries/refresh_replay.sql), in the same transaction as
-- cart_replay, for the carts that changed: one row per cart (cart_model) and one per cart × product
-- (line_model), each the state after all the cart's events. A cart whose last event is at or before
-- as_of is its kept row as of then; only carts with events after as_of are read from cart_replay
-- (views/010_cart_model.sql), so an answer costs the activity after as_of, not the history kept.
-- Rows are inserted in start order (cart_model by started_at, line_model by first_added_at) so that
-- DuckDB's per-row-group min/max (zone maps) skip row groups outside a range filter.

-- The time of the cart's last event on each of its rows: rows of carts with events after an instant are
-- `cart_last_at > as_of`, a filter the zone maps prune (rows are inserted in cart_last_at order).
ALTER TABLE cart_replay ADD COLUMN cart_last_at BIGINT;

CREATE TABLE IF NOT EXISTS cart_model (
  cart_id                 VARCHAR NOT NULL,
  started_at              BIGINT,
  -- The time of its latest event: the cart's rows answer every as_of at or after it.
  last_activity_at        BIGINT NOT NULL,
  checkout_started_at     BIGINT,
  ordered_at              BIGINT,
  channel                 VARCHAR NOT NULL,
  campaign                VARCHAR,
  currency                VARCHAR NOT NULL,
  customer_id             VARCHAR,
  anonymous_id            VARCHAR,
  consent_marketing       BOOLEAN,
  anomalies               BIGINT NOT NULL,
  longest_idle_holding_ms BIGINT,
  events                  BIGINT NOT NULL,
  items                   BIGINT NOT NULL,
  units                   BIGINT NOT NULL,
  value_minor             BIGINT NOT NULL,
  -- cart_replay's prefix_safe: whether an as-of prefix of its replay is exact (else folded live).
  prefix_safe             BOOLEAN NOT NULL
);

CREATE TABLE IF NOT EXISTS line_model (
  cart_id              VARCHAR NOT NULL,
  product_id           VARCHAR NOT NULL,
  -- The cart's last event (that of cart_model): the line's row answers every as_of at or after it.
  cart_last_at         BIGINT NOT NULL,
  -- The line's own last event.
  last_event_at        BIGINT NOT NULL,
  quantity             BIGINT NOT NULL,
  unit_price_minor     BIGINT,
  product_name         VARCHAR,
  category             VARCHAR,
  first_added_at       BIGINT,
  first_added_quantity INTEGER,
  first_added_ord      BIGINT,
  last_added_ord       BIGINT,
  first_removed_at     BIGINT,
  first_removed_ord    BIGINT,
  removals             BIGINT NOT NULL,
  units_removed        BIGINT NOT NULL,
  units_added          BIGINT NOT NULL,
  -- The product's name and category by time (not by the cart's order), for products_asof.
  latest_name          VARCHAR,
  latest_name_at       BIGINT,
  latest_category      VARCHAR,
  latest_category_at   BIGINT
);

-- The carts the refresh has just folded, between the fold and the models' insert (empty outside a
-- refresh, which runs in one transaction): the models take their rows through the same macros that
-- answer as of an instant. It has cart_replay's columns; a migration adding one to cart_replay adds it here.
CREATE TABLE IF NOT EXISTS replay_refolded AS SELECT * FROM cart_replay LIMIT 0;

-- Every cart is folded again on the next read, which fills the models and the new column.
DELETE FROM replay_dirty;
INSERT INTO replay_dirty (cart_id) SELECT DISTINCT cart_id FROM events;
