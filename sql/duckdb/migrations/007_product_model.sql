-- The product model, kept by the writer's refresh with the cart and line models (queries/refresh_replay.sql,
-- then queries/product_model_apply.sql, in the same transaction): for each product, each name and each
-- category its events ever carried (and one 'seen' row for the product itself), with the first and the last
-- time an event carried it. Names change rarely, so that is a few rows per product whatever the history.
-- As of T, the name of a product (its latest event at or before T that carries one; within a millisecond the
-- greater name) follows from these rows alone when a single name was used by T, or when none of the names
-- used by T was used again after it; only the products renamed around T are computed from their lines
-- (views/010_cart_model.sql, products_asof). Likewise the category.
CREATE TABLE IF NOT EXISTS product_model (
  product_id VARCHAR NOT NULL,
  kind       VARCHAR NOT NULL, -- 'seen', 'name' or 'category'
  value      VARCHAR,          -- the name or category; NULL for 'seen'
  first_at   BIGINT NOT NULL,
  last_at    BIGINT NOT NULL
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
INSERT INTO replay_dirty (cart_id, marked_at) SELECT DISTINCT cart_id, epoch_ms(current_timestamp) FROM events;
