-- The line model: one row per cart × product, kept from the cart's kept fold (cart_folds) each time the
-- cart is folded (queries/refold_lines.sql), so that the removal and quantity funnels read one row per
-- line as of any instant at or after the cart's last event, and fold from events only the carts with
-- events after it (views/020_line_model.sql). The cart-level columns a line's outcome needs (the
-- cart's last activity, checkout, order, lines held) ride on each line: no join at read time.
--
-- Laid out by when the line was first added, the column the funnels' windows select on: PARTITION BY its
-- month, ORDER BY (first_added_at, cart_id, product_id), so that a 7-day window reads the granules of
-- about 7 days (the partition min-max index, then the primary key). Lines without an add (a removal of a
-- product never added) have no first add and sit in the NULL/1970 end, which no window reads.
--
-- The sorting key is also ReplacingMergeTree's deduplication key, and first_added_at can move: an add
-- that arrives late with an earlier time makes the line's first add earlier. The row under the old key
-- would then stay beside the new one, so the refold that moves a key writes a tombstone (is_deleted = 1)
-- under the old key, in the same insert, with the new fold's version: FINAL hides a key whose newest row
-- is a tombstone. Versions are the cart's events folded (a fold over more events is newer: events are
-- only added, and erasure rewrites a cart's rows away before refolding it).
CREATE TABLE IF NOT EXISTS cart_line_folds (
  first_added_at         Nullable(Int64),
  cart_id                String,
  product_id             String,
  events                 Int64,
  last_activity_at       Int64,
  checkout_started_at    Nullable(Int64),
  ordered_at             Nullable(Int64),
  items                  Int64,
  quantity               Int64,
  first_added_quantity   Nullable(Int64),
  unit_price_minor       Nullable(Int64),
  product_name           Nullable(String),
  category               Nullable(String),
  first_added_ord        Nullable(UInt32),
  last_added_ord         Nullable(UInt32),
  first_removed_at       Nullable(Int64),
  first_removed_ord      Nullable(UInt32),
  removals               Int64,
  units_added            Int64,
  units_removed          Int64,
  is_deleted             UInt8,
  version                UInt64 MATERIALIZED toUInt64(events)
)
ENGINE = ReplacingMergeTree(version, is_deleted)
PARTITION BY toYYYYMM(toDateTime(intDiv(ifNull(first_added_at, 0), 1000), 'UTC'))
ORDER BY (first_added_at, cart_id, product_id)
SETTINGS allow_nullable_key = 1;
