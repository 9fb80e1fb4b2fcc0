-- The product catalogue, as sql/duckdb/migrations/013_products.sql: one row per product once merged, the
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
