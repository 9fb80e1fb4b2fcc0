-- The cluster variant of migrations/ (001_events.sql, 002_cart_folds.sql, 004_cart_line_folds.sql, 006_events_by_time.sql), for installs that outgrow one server: every table
-- replicated (ReplicatedMergeTree over ClickHouse Keeper) and sharded behind a Distributed table of the
-- name carrello queries. Applied once by an operator, on any node; carrello itself only ever runs the
-- single-server DDL, whose IF NOT EXISTS then leaves these tables alone. docs/clickhouse.md says how.
--
-- Sharding by cart_id keeps each cart, and every copy of each event, on one shard: the per-cart fold
-- and FINAL's deduplication then run shard-locally (with optimize_distributed_group_by_sharding_key = 1).
-- Keep the column lists equal to the single-server DDL; a test compares them.

CREATE TABLE IF NOT EXISTS events_local ON CLUSTER '{cluster}' (
  event_id          UUID,
  type              LowCardinality(String),
  schema_version    UInt8,
  occurred_at       DateTime64(3, 'UTC'),
  received_at       DateTime64(3, 'UTC'),
  sequence          Nullable(Int64),
  cart_id           String,
  customer_id       Nullable(String),
  anonymous_id      Nullable(String),
  session_id        Nullable(String),
  currency          LowCardinality(String),
  channel           LowCardinality(String),
  campaign_source   Nullable(String),
  campaign_medium   Nullable(String),
  campaign_name     Nullable(String),
  consent_marketing Nullable(Bool),
  product_id        Nullable(String),
  sku               Nullable(String),
  product_name      Nullable(String),
  category          LowCardinality(Nullable(String)),
  brand             LowCardinality(Nullable(String)),
  unit_price_minor  Nullable(Int64),
  quantity          Nullable(Int32),
  from_quantity     Nullable(Int32),
  to_quantity       Nullable(Int32),
  cart_value_minor  Nullable(Int64),
  order_id          Nullable(String),
  total_minor       Nullable(Int64),
  order_items       Array(Tuple(product_id String, quantity Int32, unit_price_minor Int64)),
  source            LowCardinality(String),
  payload           String CODEC(ZSTD(3)),
  INDEX event_id_bloom event_id TYPE bloom_filter(0.001) GRANULARITY 1,
  -- The export's lines by time, as migrations/006_events_by_time.sql adds it.
  PROJECTION events_by_time (SELECT occurred_at, event_id, payload ORDER BY occurred_at, event_id),
  -- Each product's names and categories with their first and last use, as migrations/013_products.sql adds it.
  PROJECTION product_namings (SELECT product_id, product_name, category, min(occurred_at), max(occurred_at) GROUP BY product_id, product_name, category)
)
-- Replicated tables deduplicate inserted blocks (and honour insert_deduplication_token) by default.
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/events_local', '{replica}')
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (cart_id, event_id)
SETTINGS fsync_after_insert = 1, fsync_part_directory = 1, deduplicate_merge_projection_mode = 'rebuild';

CREATE TABLE IF NOT EXISTS events ON CLUSTER '{cluster}' AS events_local
ENGINE = Distributed('{cluster}', currentDatabase(), events_local, cityHash64(cart_id));

CREATE TABLE IF NOT EXISTS rejected_events_local ON CLUSTER '{cluster}' (
  received_at DateTime64(3, 'UTC'),
  source      LowCardinality(String),
  source_ref  Nullable(String),
  reason      LowCardinality(String),
  field       Nullable(String),
  detail      String,
  payload_hex String EPHEMERAL,
  payload     String DEFAULT unhex(payload_hex) CODEC(ZSTD(3))
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/rejected_events_local', '{replica}')
PARTITION BY toYYYYMM(received_at)
ORDER BY (received_at, reason)
SETTINGS fsync_after_insert = 1, fsync_part_directory = 1;

CREATE TABLE IF NOT EXISTS rejected_events ON CLUSTER '{cluster}' AS rejected_events_local
ENGINE = Distributed('{cluster}', currentDatabase(), rejected_events_local, rand());

-- Each cart's fold, on the shard of its events (same sharding key), so that the writer's fold of a cart
-- reads and writes one shard; laid out by start with tombstones, as migrations/005_cart_folds_by_start.sql.
CREATE TABLE IF NOT EXISTS cart_folds_local ON CLUSTER '{cluster}' (
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/cart_folds_local', '{replica}', version, is_deleted)
PARTITION BY toYYYYMM(toDateTime(intDiv(ifNull(started_at, 0), 1000), 'UTC'))
ORDER BY (started_at, cart_id)
SETTINGS allow_nullable_key = 1;

CREATE TABLE IF NOT EXISTS cart_folds ON CLUSTER '{cluster}' AS cart_folds_local
ENGINE = Distributed('{cluster}', currentDatabase(), cart_folds_local, cityHash64(cart_id));

CREATE TABLE IF NOT EXISTS cart_dirty_local ON CLUSTER '{cluster}' (
  cart_id   String,
  marked_at DateTime64(6, 'UTC') DEFAULT now64(6)
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/cart_dirty_local', '{replica}')
ORDER BY marked_at;

CREATE TABLE IF NOT EXISTS cart_dirty ON CLUSTER '{cluster}' AS cart_dirty_local
ENGINE = Distributed('{cluster}', currentDatabase(), cart_dirty_local, cityHash64(cart_id));

CREATE TABLE IF NOT EXISTS fold_watermark_local ON CLUSTER '{cluster}' (
  folded_to DateTime64(6, 'UTC')
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/fold_watermark_local', '{replica}')
ORDER BY folded_to
TTL toDateTime(folded_to) + INTERVAL 1 DAY;

CREATE TABLE IF NOT EXISTS fold_watermark ON CLUSTER '{cluster}' AS fold_watermark_local
ENGINE = Distributed('{cluster}', currentDatabase(), fold_watermark_local, rand());

-- Each cart's lines, on the shard of its events and fold (same sharding key).
CREATE TABLE IF NOT EXISTS cart_line_folds_local ON CLUSTER '{cluster}' (
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/cart_line_folds_local', '{replica}', version, is_deleted)
PARTITION BY toYYYYMM(toDateTime(intDiv(ifNull(first_added_at, 0), 1000), 'UTC'))
ORDER BY (first_added_at, cart_id, product_id)
SETTINGS allow_nullable_key = 1;

CREATE TABLE IF NOT EXISTS cart_line_folds ON CLUSTER '{cluster}' AS cart_line_folds_local
ENGINE = Distributed('{cluster}', currentDatabase(), cart_line_folds_local, cityHash64(cart_id));

-- Each cart's orders with a customer (migrations/007), on the shard of its events and fold (same sharding
-- key); the audience's last order per customer merges across shards.
CREATE TABLE IF NOT EXISTS customer_orders_local ON CLUSTER '{cluster}' (
  placed_at   Int64,
  customer_id String,
  cart_id     String,
  event_id    UUID
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/customer_orders_local', '{replica}')
PARTITION BY toYYYYMM(toDateTime(intDiv(placed_at, 1000), 'UTC'))
ORDER BY (placed_at, event_id);

CREATE TABLE IF NOT EXISTS customer_orders ON CLUSTER '{cluster}' AS customer_orders_local
ENGINE = Distributed('{cluster}', currentDatabase(), customer_orders_local, cityHash64(cart_id));
