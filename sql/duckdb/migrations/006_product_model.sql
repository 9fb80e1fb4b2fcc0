-- The product model, kept by the writer's refresh with the cart and line models (queries/refresh_replay.sql,
-- then queries/product_model_apply.sql, in the same transaction): one row per product, when its first event
-- happened, and its name and category as of the end of time (those of its latest event that carries them,
-- over every cart) with that event's time. As of T, a product whose latest naming is at or before T is its
-- row; only products named again after T are computed from their lines (views/010_cart_model.sql,
-- products_asof), so an answer as of now reads one row per product instead of every line ever kept.
-- Among events of the same millisecond the greater name (category) wins, on every path, so that the rows
-- kept batch by batch and a rebuild agree.
CREATE TABLE IF NOT EXISTS product_model (
  product_id    VARCHAR NOT NULL,
  first_seen_at BIGINT NOT NULL,
  product_name  VARCHAR,
  name_at       BIGINT,
  category      VARCHAR,
  category_at   BIGINT
);

-- The events (or kept rows, as events) that change the product model, between the step that lists them and
-- product_model_apply.sql in the same transaction (empty outside it). A row whose t is NULL only marks its
-- product to be recomputed from the other rows.
CREATE TABLE IF NOT EXISTS product_namings (
  product_id   VARCHAR NOT NULL,
  t            BIGINT,
  product_name VARCHAR,
  category     VARCHAR
);

-- Every cart is folded again on the next read, which fills the product model (and lays every model out
-- in its range order again).
DELETE FROM replay_dirty;
INSERT INTO replay_dirty SELECT DISTINCT cart_id FROM events;
