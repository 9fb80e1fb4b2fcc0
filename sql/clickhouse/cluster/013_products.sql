-- The cluster variant of migrations/013_products.sql (the product catalogue). Small and read whole by every
-- answer that names products: one shard (a constant sharding key), so that FINAL sees every version of a
-- product together, replicated.

CREATE TABLE IF NOT EXISTS products_local ON CLUSTER '{cluster}' (
  id          String,
  name        String,
  category    Nullable(String),
  brand       Nullable(String),
  url         Nullable(String),
  image_url   Nullable(String),
  price_minor Nullable(Int64),
  currency    Nullable(String),
  updated_at  Int64
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/products_local', '{replica}', updated_at)
ORDER BY id;

CREATE TABLE IF NOT EXISTS products ON CLUSTER '{cluster}' AS products_local
ENGINE = Distributed('{cluster}', currentDatabase(), products_local, 0);
