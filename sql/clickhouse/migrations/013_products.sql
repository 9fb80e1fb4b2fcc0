-- The product catalogue, as sql/duckdb/migrations/014_products.sql: one row per product once merged, the
-- latest updated_at winning (the last inserted on a tie), and every read goes through FINAL.
CREATE TABLE IF NOT EXISTS products (
  id          String,
  name        String,
  category    Nullable(String),
  brand       Nullable(String),
  url         Nullable(String),
  image_url   Nullable(String),
  price_minor Nullable(Int64),
  currency    Nullable(String),
  updated_at  Int64 -- epoch milliseconds (UTC)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY id;

-- Every (product, name, category) the events carried, with its first and last time: what product names as
-- of an instant read (views/015_product_names.sql), a few rows per product instead of every event. An
-- aggregate projection, so inserts, merges and the right to erasure's mutations keep it equal to `events`
-- without any code of carrello's (the merge mode 'rebuild' is set by 006). MATERIALIZE builds it in the
-- parts written before it; a query on parts still without it reads the events, with the same answer.
ALTER TABLE events ADD PROJECTION IF NOT EXISTS product_namings (SELECT product_id, product_name, category, min(occurred_at), max(occurred_at) GROUP BY product_id, product_name, category);

ALTER TABLE events MATERIALIZE PROJECTION product_namings SETTINGS mutations_sync = 2;
