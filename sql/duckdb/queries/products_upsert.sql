-- Upserts catalogue rows (projections/products.ts): each replaces the stored row of its id when its
-- updated_at is the same or later, so that a late retry of an older write changes nothing.
--   $products JSON [{id, name, category, brand, url, image_url, price_minor, currency, updated_at}], one per id
INSERT INTO products
SELECT id, name, category, brand, url, image_url, price_minor, currency, updated_at
FROM (
  SELECT unnest(from_json($products,
    '[{"id":"VARCHAR","name":"VARCHAR","category":"VARCHAR","brand":"VARCHAR","url":"VARCHAR","image_url":"VARCHAR","price_minor":"BIGINT","currency":"VARCHAR","updated_at":"BIGINT"}]'), recursive := true)
)
ON CONFLICT (id) DO UPDATE SET
  name = excluded.name, category = excluded.category, brand = excluded.brand, url = excluded.url,
  image_url = excluded.image_url, price_minor = excluded.price_minor, currency = excluded.currency,
  updated_at = excluded.updated_at
WHERE excluded.updated_at >= products.updated_at;
