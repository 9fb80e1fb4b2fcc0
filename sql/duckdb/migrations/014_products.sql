-- The product catalogue (PUT /v1/products, carrello products load): reference data a shop keeps about its
-- products, beside the events. Not history: one row per product, replaced whole by a newer write (a row
-- replaces the stored one when its updated_at is the same or later; queries/products_upsert.sql). Names and
-- categories of every answer come from here when the catalogue has the product, else from the events
-- (views/020_product_names.sql; docs/metrics.md, "Product names"). No personal data: `carrello forget`
-- leaves it alone.
CREATE TABLE IF NOT EXISTS products (
  id          VARCHAR PRIMARY KEY,
  name        VARCHAR NOT NULL,
  category    VARCHAR,
  brand       VARCHAR,
  url         VARCHAR,
  image_url   VARCHAR,
  price_minor BIGINT,
  currency    VARCHAR,
  updated_at  BIGINT NOT NULL -- epoch milliseconds (UTC)
);
