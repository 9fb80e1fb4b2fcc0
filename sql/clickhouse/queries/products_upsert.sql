-- Upserts catalogue rows, as sql/duckdb/queries/products_upsert.sql: the ReplacingMergeTree keeps each id's
-- row of the latest updated_at (the last inserted on a tie), and reads go through FINAL.
INSERT INTO products
SELECT p.id, p.name, p.category, p.brand, p.url, p.image_url, p.price_minor, p.currency, p.updated_at
FROM (
  SELECT arrayJoin(JSONExtract({products:String},
    'Array(Tuple(id String, name String, category Nullable(String), brand Nullable(String), url Nullable(String), image_url Nullable(String), price_minor Nullable(Int64), currency Nullable(String), updated_at Int64))')) AS p
)
