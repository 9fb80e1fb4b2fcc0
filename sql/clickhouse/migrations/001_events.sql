-- Accepted events: one row per event_id once merged, typed columns beside the original payload.
-- Times are DateTime64(3, 'UTC') (the producer's millisecond precision); money is integer minor units.
--
-- ReplacingMergeTree keyed on (cart_id, event_id): a redelivered event (same event_id, hence same cart
-- and same occurred_at, hence same monthly partition) collapses into one row when parts merge, and every
-- read goes through FINAL so that answers never count it twice before that. ORDER BY starts with cart_id
-- because every answer folds a cart's events together and one-cart reads (timeline, audience lines)
-- then touch a few granules. Partitions by month of occurred_at let an as-of read skip later months and
-- let old months be dropped or moved as a whole.
-- non_replicated_deduplication_window turns on block deduplication by insert_deduplication_token on this
-- non-replicated table: a retried insert of the same rows is dropped whole. fsync_after_insert makes an
-- acknowledged insert durable (Warehouse.writeBatch's invariant), as DuckDB's synced WAL does.
CREATE TABLE IF NOT EXISTS events (
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
  -- Empty for every type but order.placed (an Array cannot be NULL in ClickHouse).
  order_items       Array(Tuple(product_id String, quantity Int32, unit_price_minor Int64)),
  source            LowCardinality(String),
  payload           String CODEC(ZSTD(3)),
  -- The ingest writer looks up a batch's event_ids before inserting (first stored wins, as in DuckDB).
  INDEX event_id_bloom event_id TYPE bloom_filter(0.001) GRANULARITY 1
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (cart_id, event_id)
SETTINGS non_replicated_deduplication_window = 1000, fsync_after_insert = 1, fsync_part_directory = 1;

-- Refused messages, never dropped: the bytes as received (any bytes: String holds them unchanged) and
-- why. The writer sends the bytes hex-encoded in payload_hex, which is never stored.
CREATE TABLE IF NOT EXISTS rejected_events (
  received_at DateTime64(3, 'UTC'),
  source      LowCardinality(String),
  source_ref  Nullable(String),
  reason      LowCardinality(String),
  field       Nullable(String),
  detail      String,
  payload_hex String EPHEMERAL,
  payload     String DEFAULT unhex(payload_hex) CODEC(ZSTD(3))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(received_at)
ORDER BY (received_at, reason)
SETTINGS non_replicated_deduplication_window = 1000, fsync_after_insert = 1, fsync_part_directory = 1;
