-- The cluster variant of migrations/008_cart_spans.sql (each cart's first event time, for the custom
-- funnel's time bound), applied after 001_events.sql as that file says. The view reads each shard's
-- events_local and writes that shard's cart_spans_local: a cart's events and its span share the shard
-- (the same sharding key), so the Distributed cart_spans answers a look-up by cart from one of them.

CREATE TABLE IF NOT EXISTS cart_spans_local ON CLUSTER '{cluster}' (
  cart_id  String,
  first_at SimpleAggregateFunction(min, DateTime64(3, 'UTC'))
)
ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/cart_spans_local', '{replica}')
ORDER BY cart_id;

CREATE TABLE IF NOT EXISTS cart_spans ON CLUSTER '{cluster}' AS cart_spans_local
ENGINE = Distributed('{cluster}', currentDatabase(), cart_spans_local, cityHash64(cart_id));

CREATE MATERIALIZED VIEW IF NOT EXISTS cart_spans_mv ON CLUSTER '{cluster}' TO cart_spans_local AS
SELECT cart_id, min(occurred_at) AS first_at FROM events_local GROUP BY cart_id;
