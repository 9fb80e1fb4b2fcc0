-- The cart model laid out by when the cart started, the column the abandonment funnel's windows select on,
-- as the line model is by first add (migrations/004_cart_line_folds.sql, whose comment this follows):
-- PARTITION BY the month of started_at, ORDER BY (started_at, cart_id), so that a 7-day window reads the
-- granules of about 7 days. Carts without an add have no start and sit in the NULL/1970 end.
--
-- started_at can move (an add that arrives late with an earlier time), and the sorting key is the
-- deduplication key: the refold that moves it writes a tombstone (is_deleted = 1) under the old key in the
-- same insert, with the new fold's version (queries/refold_carts.sql). Readers hide tombstones (FINAL).
--
-- Point reads by cart (a cart as of, the refold's own look-ups, the carts with events after as_of) no
-- longer follow the sorting key: a bloom filter on cart_id skips the granules without the cart, and a
-- min-max index on last_activity_at skips those whose carts all ended at or before as_of.
--
-- One statement, so that a start stopped half-way applies it again unchanged: CREATE OR REPLACE fills the
-- new table from the old one (FINAL: one row per cart), then swaps it in atomically. Reading the columns by
-- name, it reads this layout as well as 002's. Rows a writer folded meanwhile on another process are
-- derived data: the repair that follows every migration folds the carts missing or behind again.
CREATE OR REPLACE TABLE cart_folds (
  cart_id                    String,
  events                     Int64,
  started_at                 Nullable(Int64),
  last_activity_at           Int64,
  checkout_started_at        Nullable(Int64),
  ordered_at                 Nullable(Int64),
  channel                    String,
  campaign                   Nullable(String),
  currency                   String,
  customer_id                Nullable(String),
  anonymous_id               Nullable(String),
  consent_marketing          Nullable(Bool),
  anomalies                  Int64,
  items                      Int64,
  units                      Int64,
  value_minor                Int64,
  longest_idle_holding_ms    Nullable(Int64),
  line_product_id            Array(String),
  line_quantity              Array(Int64),
  line_unit_price_minor      Array(Nullable(Int64)),
  line_product_name          Array(Nullable(String)),
  line_category              Array(Nullable(String)),
  line_first_added_at        Array(Nullable(Int64)),
  line_first_added_quantity  Array(Nullable(Int64)),
  line_first_added_ord       Array(Nullable(UInt32)),
  line_last_added_ord        Array(Nullable(UInt32)),
  line_first_removed_at      Array(Nullable(Int64)),
  line_first_removed_ord     Array(Nullable(UInt32)),
  line_removals              Array(Int64),
  line_units_added           Array(Int64),
  line_units_removed         Array(Int64),
  is_deleted                 UInt8,
  -- A fold of more events is newer: a cart's events are only ever added (deduplicated by FINAL).
  version                    UInt64 MATERIALIZED toUInt64(events),
  INDEX cart_id_bloom cart_id TYPE bloom_filter(0.001) GRANULARITY 1,
  INDEX last_activity_minmax last_activity_at TYPE minmax GRANULARITY 1
)
ENGINE = ReplacingMergeTree(version, is_deleted)
PARTITION BY toYYYYMM(toDateTime(intDiv(ifNull(started_at, 0), 1000), 'UTC'))
ORDER BY (started_at, cart_id)
SETTINGS allow_nullable_key = 1
AS SELECT
  cart_id, events, started_at, last_activity_at, checkout_started_at, ordered_at, channel, campaign,
  currency, customer_id, anonymous_id, consent_marketing, anomalies, items, units, value_minor,
  longest_idle_holding_ms, line_product_id, line_quantity, line_unit_price_minor, line_product_name,
  line_category, line_first_added_at, line_first_added_quantity, line_first_added_ord, line_last_added_ord,
  line_first_removed_at, line_first_removed_ord, line_removals, line_units_added, line_units_removed,
  toUInt8(0) AS is_deleted
FROM cart_folds FINAL;
