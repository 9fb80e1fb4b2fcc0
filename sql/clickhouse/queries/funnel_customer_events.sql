-- The events a funnel looks at, for customers: the same rows as
-- sql/duckdb/queries/funnel_customer_events.sql (docs/funnels.md), one row per event with the bits of
-- every definition it matches OR-ed together (see funnel_cart_events.sql). Same parameters and columns
-- as funnel_cart_events.sql, plus until_ms. A customer's events are the events that carry its
-- customer_id; events without one belong to no customer. A customer is looked at when one of its events
-- that can start an attempt occurred in [from_ms, to_ms); its events from from_ms to until_ms come.
-- seq is always -1: customers are ordered by occurred_at (projections/funnels/stream.ts).
WITH
  JSONExtract({defs:String}, 'Array(Tuple(type String, product_id Nullable(String), category Nullable(String), bits Int64))') AS defs,
  fromUnixTimestamp64Milli({as_of_ms:Int64}, 'UTC') AS as_of,
  fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC') AS from_t,
  tagged AS (
    SELECT
      customer_id,
      occurred_at,
      arrayReduce('groupBitOr', arrayMap(d -> if(
        d.1 = type AND (d.2 IS NULL OR ifNull(product_id = d.2, 0)) AND (d.3 IS NULL OR ifNull(category = d.3, 0)),
        d.4, toInt64(0)), defs)) AS bits,
      -- LowCardinality: the answer carries each value once (an Arrow dictionary), not once per row.
      toLowCardinality(multiIf({breakdown:String} = 'channel', toNullable(toString(channel)), {breakdown:String} = 'campaign', campaign_name,
              {breakdown:String} = 'currency', toNullable(toString(currency)), CAST(NULL AS Nullable(String)))) AS breakdown
    FROM events FINAL
    WHERE customer_id IS NOT NULL
      AND occurred_at >= from_t
      AND occurred_at <= as_of
  ),
  customers AS (
    SELECT customer_id, row_number() OVER () - 1 AS entity
    FROM (
      SELECT DISTINCT customer_id
      FROM tagged
      WHERE bitAnd(bits, {start_bits:Int64}) != 0
        AND occurred_at < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
        AND occurred_at <= as_of
    )
  )
SELECT
  toFloat64(c.entity) AS entity,
  toFloat64(-1) AS seq,
  toFloat64(toUnixTimestamp64Milli(g.occurred_at)) AS t,
  toFloat64(g.bits) AS bits,
  toFloat64(rowNumberInAllBlocks()) AS rid,
  -- Only events that can start an attempt are asked their value (stream.ts): the rest carry none.
  if(bitAnd(g.bits, {start_bits:Int64}) != 0, g.breakdown, NULL) AS breakdown
FROM tagged AS g
INNER JOIN customers AS c ON c.customer_id = g.customer_id
WHERE ({all_events:Bool} OR g.bits != 0)
  AND g.occurred_at <= fromUnixTimestamp64Milli({until_ms:Int64}, 'UTC')
