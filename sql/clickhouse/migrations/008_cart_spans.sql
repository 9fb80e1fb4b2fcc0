-- Each cart's first event time, kept by the engine on every insert into `events`, so that a custom funnel
-- reads a cart's events from its first one on and no further back (queries/funnel_cart_events.sql): `events`
-- is sorted by cart and partitioned by month, so without a bound a funnel over 7 days read every month kept.
--
-- A materialized view adds one row per cart and insert block (the block's earliest occurred_at); rows of
-- one cart are merged by min. min is idempotent: a redelivered or retried block, or this migration's own
-- fill run twice, leaves the same answer, so the table needs no FINAL and no deduplication. It can only be
-- too early, never too late: the right to erasure deletes a forgotten cart's rows with its events
-- (queries/forget_spans.sql), and a cart without a row makes the funnel read every month, as before.
--
-- The view comes first, then the fill from the events already stored: an event inserted in between is
-- seen by both, none by neither.
CREATE TABLE IF NOT EXISTS cart_spans (
  cart_id  String,
  first_at SimpleAggregateFunction(min, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY cart_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS cart_spans_mv TO cart_spans AS
SELECT cart_id, min(occurred_at) AS first_at FROM events GROUP BY cart_id;

INSERT INTO cart_spans SELECT cart_id, min(occurred_at) AS first_at FROM events GROUP BY cart_id;
