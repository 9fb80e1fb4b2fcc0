-- Each cart's fold over all its events (the columns of the cart_fold_asof view). The writer marks the carts
-- of every batch in cart_dirty; before a read of the cart model, carrello folds again the carts marked
-- since the last fold (sql/clickhouse/queries/refold_carts.sql), and at every start the carts whose fold
-- is missing or behind their events (repair_folds.sql). A cart as of an instant at or after its last
-- event is this row; only carts with events after as_of are folded at query time (views/010_cart_model.sql).
--
-- ReplacingMergeTree by cart_id with the number of folded events as version: of two folds of a cart (two
-- writers, a batch retried), the one over more events wins, and reads use FINAL. Events are never
-- removed on ClickHouse, so a fold over more events is a fold over a superset: the newer one.
CREATE TABLE IF NOT EXISTS cart_folds (
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
  -- A fold of more events is newer: a cart's events are only ever added (deduplicated by FINAL).
  version                    UInt64 MATERIALIZED toUInt64(events)
)
ENGINE = ReplacingMergeTree(version)
ORDER BY cart_id;

-- Carts with events written since they were last folded: one row per cart per batch, stamped by the
-- server after the batch's events are stored. Marks an hour behind the last fold are deleted by the
-- reader that folds (never by TTL: a mark must outlive any pause in reads).
CREATE TABLE IF NOT EXISTS cart_dirty (
  cart_id   String,
  marked_at DateTime64(6, 'UTC') DEFAULT now64(6)
)
ENGINE = MergeTree
ORDER BY marked_at;

-- Up to when cart_dirty has been folded: the server's time taken before the fold read its marks.
CREATE TABLE IF NOT EXISTS fold_watermark (
  folded_to DateTime64(6, 'UTC')
)
ENGINE = MergeTree
ORDER BY folded_to
TTL toDateTime(folded_to) + INTERVAL 1 DAY;
