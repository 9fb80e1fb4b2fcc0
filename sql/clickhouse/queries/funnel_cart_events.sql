-- The events a funnel looks at, for carts: the same events as sql/duckdb/queries/funnel_cart_events.sql
-- (docs/funnels.md defines the semantics), one item per event with the bits of every definition it
-- matches OR-ed together (DuckDB gives one row per matching definition with the same rid, which
-- projections/funnels/stream.ts merges into exactly this).
--   {defs}        JSON [{type, product_id, category, bits}]: the funnel's steps and exclusions. product_id
--                 and category null mean any; bits say which steps/exclusions the definition stands for.
--   {start_bits}  the bits of the steps that start an attempt (the first step; any step when unordered).
--   {all_events}  true for strict funnels, which need every event (bits 0 when it matches nothing).
--   {breakdown}   channel | campaign | currency | none: the event's value to break the answer down by.
-- A cart is looked at when one of its events that can start an attempt occurred in [from_ms, to_ms);
-- then all its events up to as_of_ms come, whenever they occurred.
-- One row per cart, its events as arrays in the matcher's order: by sequence, then time, when every
-- event of the cart up to as_of has a sequence, else by time (stream.ts's order; events of one instant
-- in any order). One GROUP BY gathers each cart's events into an array, sorted there (a handful each);
-- sql/clickhouse/columns.ts flattens the arrays, so the stream takes them in one pass, without a sort,
-- and no column says which cart a row is (ARRAY JOIN unrolled them in the engine before, and each row
-- carried its cart's number and its place: about 40 % more bytes to write, send and read). A JOIN of
-- the events with the entering carts read the events twice and numbered the carts with a window that
-- ran on one thread (docs/funnels.md).
-- Definitions without a product or category (the usual steps) are matched by transform() on the type;
-- the per-row lambda only runs over the narrowed ones, when there are any (it cost most of a scan).
-- No entering cart has an event before the earliest first event among them (lo_t, from cart_spans, which
-- the engine keeps on every insert: migrations/008_cart_spans.sql), so the events are read from lo_t to
-- as_of: the months before lo_t are skipped, and a 7-day period reads about the months it touches, not
-- every month kept (`events` is partitioned by month and sorted by cart: a bound by cart would not prune).
-- A cart's events before the period still come when they are after lo_t, which they are by definition.
-- When an entering cart has no row in cart_spans (a store written before 008 whose fill has not run, a
-- cart refilled after an erasure), lo_t is the store's first event and every month is read, as before.
-- When the period is short beside [lo_t, as_of] (short_period), the carts entering are found first from
-- the events of [from_ms, to_ms) (partitions and parts outside are skipped; no FINAL: a duplicate names
-- the same cart), so that only their events are gathered: the events of other carts in [lo_t, as_of] are
-- read but not aggregated. When most carts enter, that lookup cost more than it saved (a 30-day period
-- over 30 days of events), so it is skipped. Either way HAVING decides which carts come.
WITH
  JSONExtract({defs:String}, 'Array(Tuple(type String, product_id Nullable(String), category Nullable(String), bits Int64))') AS defs,
  arrayFilter(d -> d.2 IS NULL AND d.3 IS NULL, defs) AS plain,
  arrayFilter(d -> d.2 IS NOT NULL OR d.3 IS NOT NULL, defs) AS narrowed,
  bitOr(
    transform(type, arrayMap(d -> d.1, plain), arrayMap(d -> d.4, plain), toInt64(0)),
    if(empty(narrowed), toInt64(0), arrayReduce('groupBitOr', arrayMap(d -> if(
      d.1 = type AND (d.2 IS NULL OR ifNull(product_id = d.2, 0)) AND (d.3 IS NULL OR ifNull(category = d.3, 0)),
      d.4, toInt64(0)), narrowed)))) AS event_bits,
  fromUnixTimestamp64Milli({as_of_ms:Int64}, 'UTC') AS as_of,
  fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC') AS from_t,
  fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC') AS to_t,
  -- The store's first event: read from the parts' min/max of occurred_at, not from the rows.
  (SELECT min(occurred_at) FROM events) AS first_t,
  -- Looking the entering carts up in cart_spans pays only when the store holds more before the period
  -- than the period itself (a 30-day period over 30 days of events would look every cart up for nothing):
  -- otherwise both look-ups below read nothing and lo_t is the store's first event.
  dateDiff('second', first_t, from_t) > dateDiff('second', from_t, to_t) AS long_history,
  -- An entering cart without a row (join_use_nulls: NULL, then 1970) bounds nothing.
  greatest(first_t, (
    SELECT min(ifNull(s.first_at, toDateTime64(0, 3, 'UTC')))
    FROM cart_spans AS s
    RIGHT JOIN (
      SELECT DISTINCT cart_id FROM events
      WHERE long_history AND occurred_at >= from_t AND occurred_at < to_t AND occurred_at <= as_of AND bitAnd(event_bits, {start_bits:Int64}) != 0
    ) AS e ON s.cart_id = e.cart_id
    SETTINGS join_use_nulls = 1
  )) AS lo_t,
  dateDiff('second', from_t, to_t) * 2 < dateDiff('second', lo_t, as_of) AS short_period
SELECT
  arrayMap(x -> x.2, evs) AS t,
  arrayMap(x -> x.3, evs) AS bits,
  -- Only events that can start an attempt are asked their value (stream.ts): the rest carry none.
  arrayMap(x -> x.4, evs) AS breakdown
FROM (
  SELECT
    max(sequence IS NULL) AS unsequenced,
    arraySort(x -> (if(unsequenced, -1, x.1), x.2), groupArrayIf(
      (toFloat64(ifNull(sequence, -1)), toFloat64(toUnixTimestamp64Milli(occurred_at)), toFloat64(bits), if(bitAnd(bits, {start_bits:Int64}) != 0, breakdown, NULL)),
      {all_events:Bool} OR bits != 0)) AS evs
  FROM (
    SELECT
      cart_id,
      sequence,
      occurred_at,
      event_bits AS bits,
      -- LowCardinality: the answer carries each value once (an Arrow dictionary), not once per row.
      toLowCardinality(multiIf({breakdown:String} = 'channel', toNullable(toString(channel)), {breakdown:String} = 'campaign', campaign_name,
              {breakdown:String} = 'currency', toNullable(toString(currency)), CAST(NULL AS Nullable(String)))) AS breakdown
    FROM events FINAL
    WHERE occurred_at <= as_of AND occurred_at >= lo_t
      -- HAVING below decides; this only keeps the other carts out of the GROUP BY.
      AND (NOT short_period OR cart_id IN (
        SELECT cart_id FROM events
        WHERE occurred_at >= from_t AND occurred_at < to_t AND occurred_at <= as_of AND bitAnd(event_bits, {start_bits:Int64}) != 0
      ))
  )
  GROUP BY cart_id
  HAVING countIf(bitAnd(bits, {start_bits:Int64}) != 0 AND occurred_at >= from_t AND occurred_at < to_t) > 0
)
-- Since 26.3 a FINAL read skips partition pruning when the partition key (the month of occurred_at) is not
-- in the sorting key, and reads every month (sql/clickhouse/export.ts found it first). Safe here: an
-- event_id's copies share occurred_at, so they never span partitions.
SETTINGS defer_partition_pruning_after_final = 0
