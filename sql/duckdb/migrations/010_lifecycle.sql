-- The cart lifecycle's announcements as detected (announce/, docs/lifecycle.md): one row per id, numbered in
-- the order they were found (seq: a consumer of the feed resumes after the last seq it took; within one
-- save, a page of carts, by instant, then cart, so that each cart's come in its order). Detection is idempotent: an id
-- found again is not stored again.
CREATE TABLE IF NOT EXISTS lifecycle_announcements (
  seq            BIGINT NOT NULL,
  id             UUID NOT NULL PRIMARY KEY,
  kind           VARCHAR NOT NULL,
  cart_id        VARCHAR NOT NULL,
  episode        INTEGER NOT NULL,
  at_ms          BIGINT NOT NULL,
  customer_id    VARCHAR,
  payload        VARCHAR NOT NULL, -- the announcement as JSON, as delivered
  detected_at_ms BIGINT NOT NULL
);

-- Where detection stands: one row (id 1), replaced by each save in the same transaction as what it found,
-- so a restart resumes from it.
CREATE TABLE IF NOT EXISTS lifecycle_cursor (
  id           INTEGER NOT NULL PRIMARY KEY,
  watermark_ms BIGINT,
  received_ms  BIGINT,
  saved_at_ms  BIGINT NOT NULL
);

-- Webhook delivery (announce/deliver.ts): per endpoint, the seq up to which every announcement has been
-- acknowledged (2xx) or dead-lettered, written after each one; and the dead letters, kept with their reason
-- until replayed.
CREATE TABLE IF NOT EXISTS lifecycle_delivered (
  endpoint      VARCHAR NOT NULL PRIMARY KEY,
  delivered_seq BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS lifecycle_dead_letters (
  endpoint VARCHAR NOT NULL,
  seq      BIGINT NOT NULL,
  id       UUID NOT NULL,
  attempts INTEGER NOT NULL,
  reason   VARCHAR NOT NULL,
  at_ms    BIGINT NOT NULL
);

-- The abandonments each endpoint acknowledged, by customer: what the cap per customer counts.
CREATE TABLE IF NOT EXISTS lifecycle_sent (
  endpoint    VARCHAR NOT NULL,
  seq         BIGINT NOT NULL,
  customer_id VARCHAR NOT NULL,
  at_ms       BIGINT NOT NULL
);
