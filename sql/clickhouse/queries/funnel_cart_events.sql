-- The events a funnel looks at, for carts: the same rows as sql/duckdb/queries/funnel_cart_events.sql
-- (docs/funnels.md defines the semantics), one row per event with the bits of every definition it
-- matches OR-ed together (DuckDB gives one row per matching definition with the same rid, which
-- projections/funnels/stream.ts merges into exactly this).
--   {defs}        JSON [{type, product_id, category, bits}]: the funnel's steps and exclusions. product_id
--                 and category null mean any; bits say which steps/exclusions the definition stands for.
--   {start_bits}  the bits of the steps that start an attempt (the first step; any step when unordered).
--   {all_events}  true for strict funnels, which need every event (bits 0 when it matches nothing).
--   {breakdown}   channel | campaign | currency | none: the event's value to break the answer down by.
-- A cart is looked at when one of its events that can start an attempt occurred in [from_ms, to_ms);
-- then all its events up to as_of_ms come, whenever they occurred.
-- rid numbers the rows (one per event); the order among events of one cart with equal seq and t cannot
-- change an answer (stream.ts), so it need not be DuckDB's rowid. Carts are numbered 0, 1, … (entity).
-- Rows come unordered, as on DuckDB (stream.ts sorts them).
-- Which carts, and whether each is unsequenced, comes from one GROUP BY (a window per cart over every
-- event cost a sort of the whole table).
WITH
  JSONExtract({defs:String}, 'Array(Tuple(type String, product_id Nullable(String), category Nullable(String), bits Int64))') AS defs,
  fromUnixTimestamp64Milli({as_of_ms:Int64}, 'UTC') AS as_of,
  tagged AS (
    SELECT
      cart_id,
      sequence,
      occurred_at,
      arrayReduce('groupBitOr', arrayMap(d -> if(
        d.1 = type AND (d.2 IS NULL OR ifNull(product_id = d.2, 0)) AND (d.3 IS NULL OR ifNull(category = d.3, 0)),
        d.4, toInt64(0)), defs)) AS bits,
      -- LowCardinality: the answer carries each value once (an Arrow dictionary), not once per row.
      toLowCardinality(multiIf({breakdown:String} = 'channel', toNullable(toString(channel)), {breakdown:String} = 'campaign', campaign_name,
              {breakdown:String} = 'currency', toNullable(toString(currency)), CAST(NULL AS Nullable(String)))) AS breakdown
    FROM events FINAL
    WHERE occurred_at <= as_of
  ),
  carts AS (
    SELECT cart_id, unsequenced, row_number() OVER () - 1 AS entity
    FROM (
      SELECT cart_id, max(sequence IS NULL) AS unsequenced
      FROM tagged
      GROUP BY cart_id
      HAVING countIf(bitAnd(bits, {start_bits:Int64}) != 0
        AND occurred_at >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC')
        AND occurred_at < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')) > 0
    )
  )
SELECT
  toFloat64(c.entity) AS entity,
  toFloat64(if(c.unsequenced, -1, assumeNotNull(g.sequence))) AS seq,
  toFloat64(toUnixTimestamp64Milli(g.occurred_at)) AS t,
  toFloat64(g.bits) AS bits,
  toFloat64(rowNumberInAllBlocks()) AS rid,
  -- Only events that can start an attempt are asked their value (stream.ts): the rest carry none.
  if(bitAnd(g.bits, {start_bits:Int64}) != 0, g.breakdown, NULL) AS breakdown
FROM tagged AS g
INNER JOIN carts AS c ON c.cart_id = g.cart_id
WHERE {all_events:Bool} OR g.bits != 0
