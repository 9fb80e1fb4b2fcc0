-- The cart lifecycle's announcements as detected (announce/, docs/lifecycle.md), as
-- sql/duckdb/migrations/010_lifecycle.sql: one row per id, numbered in the order found (seq). One detector
-- writes (the numbering takes the largest seq before each save). A ReplacingMergeTree on id: a save
-- retried after a failure, or an id found again by a detector that lost its cursor, collapses; the feed
-- reads FINAL.
CREATE TABLE IF NOT EXISTS lifecycle_announcements (
  seq            UInt64,
  id             UUID,
  kind           LowCardinality(String),
  cart_id        String,
  episode        UInt32,
  at_ms          Int64,
  customer_id    Nullable(String),
  payload        String,
  detected_at_ms Int64
)
ENGINE = ReplacingMergeTree
ORDER BY id;

-- Where detection stands: one row per save, written after what it found (a restart resumes from the newest,
-- and finds again, and collapses, what was found since), collapsed to the newest by merges (the version is
-- saved_at_ms) so that the table stays one row.
CREATE TABLE IF NOT EXISTS lifecycle_cursor (
  id           UInt8,
  watermark_ms Nullable(Int64),
  received_ms  Nullable(Int64),
  saved_at_ms  Int64
)
ENGINE = ReplacingMergeTree(saved_at_ms)
ORDER BY id;

-- Webhook delivery (announce/deliver.ts), as sql/duckdb/migrations/010_lifecycle.sql: per endpoint, the seq
-- up to which every announcement was acknowledged or dead-lettered (one row per advance, the newest kept
-- by merges), and the dead letters.
CREATE TABLE IF NOT EXISTS lifecycle_delivered (
  endpoint      String,
  delivered_seq UInt64,
  updated_at_ms Int64
)
ENGINE = ReplacingMergeTree(delivered_seq)
ORDER BY endpoint;

CREATE TABLE IF NOT EXISTS lifecycle_dead_letters (
  endpoint String,
  seq      UInt64,
  id       UUID,
  attempts UInt32,
  reason   String,
  at_ms    Int64
)
ENGINE = MergeTree
ORDER BY (endpoint, seq);

-- The abandonments each endpoint acknowledged, by customer: what the cap per customer counts. A
-- ReplacingMergeTree on (endpoint, seq): an acknowledgement written twice (a retried write) collapses.
CREATE TABLE IF NOT EXISTS lifecycle_sent (
  endpoint    String,
  seq         UInt64,
  customer_id String,
  at_ms       Int64
)
ENGINE = ReplacingMergeTree
ORDER BY (endpoint, seq);
