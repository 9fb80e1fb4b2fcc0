-- The events a funnel looks at, for customers: the same events as
-- sql/duckdb/queries/funnel_customer_events.sql (docs/funnels.md), one item per event with the bits of
-- every definition it matches OR-ed together (see funnel_cart_events.sql). Same parameters and columns
-- (one row per customer, its events as arrays) as funnel_cart_events.sql, plus until_ms. A customer's
-- events are the events that carry its customer_id; events without one belong to no customer. A customer is looked at when one of its events
-- that can start an attempt occurred in [from_ms, to_ms); its events from from_ms to until_ms come.
-- Customers are ordered by occurred_at (projections/funnels/stream.ts): each customer's arrays in time
-- order (one GROUP BY, arrays sorted there).
WITH
  JSONExtract({defs:String}, 'Array(Tuple(type String, product_id Nullable(String), category Nullable(String), bits Int64))') AS defs,
  arrayFilter(d -> d.2 IS NULL AND d.3 IS NULL, defs) AS plain,
  arrayFilter(d -> d.2 IS NOT NULL OR d.3 IS NOT NULL, defs) AS narrowed,
  bitOr(
    transform(type, arrayMap(d -> d.1, plain), arrayMap(d -> d.4, plain), toInt64(0)),
    if(empty(narrowed), toInt64(0), arrayReduce('groupBitOr', arrayMap(d -> if(
      d.1 = type AND (d.2 IS NULL OR ifNull(product_id = d.2, 0)) AND (d.3 IS NULL OR ifNull(category = d.3, 0)),
      d.4, toInt64(0)), narrowed)))) AS event_bits,
  fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC') AS from_t,
  fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC') AS to_t,
  fromUnixTimestamp64Milli({as_of_ms:Int64}, 'UTC') AS as_of,
  fromUnixTimestamp64Milli({until_ms:Int64}, 'UTC') AS until_t
SELECT
  arrayMap(x -> x.1, evs) AS t,
  arrayMap(x -> x.2, evs) AS bits,
  -- Only events that can start an attempt are asked their value (stream.ts): the rest carry none.
  arrayMap(x -> x.3, evs) AS breakdown
FROM (
  SELECT
    arraySort(x -> x.1, groupArrayIf(
      (toFloat64(toUnixTimestamp64Milli(occurred_at)), toFloat64(bits), if(bitAnd(bits, {start_bits:Int64}) != 0, breakdown, NULL)),
      ({all_events:Bool} OR bits != 0) AND occurred_at <= until_t)) AS evs
  FROM (
    SELECT
      customer_id,
      occurred_at,
      event_bits AS bits,
      -- LowCardinality: the answer carries each value once (an Arrow dictionary), not once per row.
      toLowCardinality(multiIf({breakdown:String} = 'channel', toNullable(toString(channel)), {breakdown:String} = 'campaign', campaign_name,
              {breakdown:String} = 'currency', toNullable(toString(currency)), CAST(NULL AS Nullable(String)))) AS breakdown
    FROM events FINAL
    WHERE customer_id IS NOT NULL
      AND occurred_at >= from_t
      AND occurred_at <= as_of
  )
  GROUP BY customer_id
  HAVING countIf(bitAnd(bits, {start_bits:Int64}) != 0 AND occurred_at < to_t) > 0
)
