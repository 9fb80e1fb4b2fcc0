-- The cart model on ClickHouse: every cart replayed as of an instant, as parameterized views
-- (`SELECT … FROM cart_state_asof(as_of_ms = …, abandon_ms = …)`). docs/metrics.md defines each column;
-- projections/replay.ts is the same fold as a pure function, and parity tests hold these views equal to
-- it and to DuckDB's cart model (sql/duckdb/views/010_cart_model.sql), to the unit.
--
-- cart_fold_asof folds the events up to as_of. ClickHouse groups a cart's events into one array (GROUP BY
-- cart_id, in parallel), sorts it in replay order and folds it with array functions, so that one pass
-- over events gives each cart's state and its lines. The writer keeps each cart's fold over all its
-- events in cart_folds (migrations/002_cart_folds.sql), and cart_replay_asof reads it for every cart whose
-- last event is at or before as_of: only carts with events after as_of are folded at query time.
-- Times are epoch milliseconds (Int64) throughout, as on DuckDB.

-- One row per cart with an event at or before as_of: its dates, its attributes, what it holds, and its
-- lines as parallel arrays (line_*), from one fold of its events in replay order: by sequence when every
-- event of the cart has one, otherwise by occurred_at; ties by event_id as text (never as UUID:
-- ClickHouse orders UUIDs by their two 64-bit halves, not as text).
--
-- How the fold works without a loop. A line's quantity after an event is the base set by its latest
-- reset (a removal sets 0, a quantity change sets to_quantity) plus every unit added since. So the
-- cart's events are also sorted by (product, replay position): each line is a run, each reset starts a
-- segment, arrayFill carries a segment's base forward and arrayCumSum counts the units added in it;
-- sorting by replay position brings the results back. O(n log n) per cart.
--
-- Shaped for ClickHouse: a cart's events travel as one array of tuples, sorted once per order (nullable
-- columns ride inside the tuple: groupArray skips NULL values, which would shift separate arrays);
-- arrays are never indexed inside a lambda (a lambda that captures an array copies it per element:
-- O(n²)); per-event values that need no order are computed before grouping; each level reads only
-- columns of the level below (an alias is re-planned at every use).
CREATE OR REPLACE VIEW cart_fold_asof AS
SELECT
  cart_id, events, started_at, last_activity_at, checkout_started_at, ordered_at, channel, campaign,
  currency, customer_id, anonymous_id, consent_marketing,
  -- Events that do not fit: removing a product not held, a change from a quantity not held.
  toInt64(arrayCount((r, c, f, b) -> (r AND b = 0) OR (c AND f != b), is_removed, is_change, froms, qb)) AS anomalies,
  toInt64(arrayCount(q -> q > 0, line_quantity)) AS items,
  toInt64(arraySum(line_quantity)) AS units,
  -- A held line's last event is an add or a quantity change, whose price is the line's. Exact in Int128
  -- (Int64 would wrap on prices from before the contract's bounds), saturated at 2^53 - 1 as everywhere
  -- (docs/metrics.md, "Money values").
  toInt64(least(arraySum((q, p) -> toInt128(q) * p, line_quantity, line_last_price), 9007199254740991)) AS value_minor,
  -- The longest wait from an event to the next while the cart held items, before its first order: a
  -- cart whose wait reached abandon_after was abandoned once (recovered, if it then ordered).
  arrayReduce('maxOrNull', arrayFilter((gap, h, o, placed) -> h > 0 AND o = 0 AND NOT placed,
    arrayPopFront(ts) - arrayPopBack(ts), arrayPopBack(held), arrayPopBack(arrayCumSum(is_order) - is_order), arrayPopBack(is_order))) AS longest_idle_holding_ms,
  line_product_id, line_quantity,
  arrayReduceInRanges('argMax', line_ranges, line.8, lpos) AS line_unit_price_minor,
  arrayReduceInRanges('argMax', line_ranges, line.9, lpos) AS line_product_name,
  arrayReduceInRanges('argMax', line_ranges, line.10, lpos) AS line_category,
  arrayReduceInRanges('min', line_ranges, line.11) AS line_first_added_at,
  arrayReduceInRanges('argMin', line_ranges, line.12, lpos) AS line_first_added_quantity,
  arrayReduceInRanges('min', line_ranges, line.13) AS line_first_added_ord,
  arrayReduceInRanges('max', line_ranges, line.13) AS line_last_added_ord,
  arrayReduceInRanges('min', line_ranges, removed_at) AS line_first_removed_at,
  arrayReduceInRanges('min', line_ranges, removed_ord) AS line_first_removed_ord,
  CAST(arrayReduceInRanges('count', line_ranges, removed_ord) AS Array(Int64)) AS line_removals,
  CAST(arrayReduceInRanges('sum', line_ranges, line.4) AS Array(Int64)) AS line_units_added,
  CAST(arrayReduceInRanges('sumIf', line_ranges, lqb, line.2) AS Array(Int64)) AS line_units_removed
FROM (
  -- Results of the fold, per line and back in replay order.
  SELECT
    cart_id, events, started_at, last_activity_at, checkout_started_at, ordered_at, channel, campaign,
    currency, customer_id, anonymous_id, consent_marketing, ts, is_removed, is_change, is_order, froms,
    line, lpos, lqb,
    arraySort((x, k) -> k, lqb, lpos) AS qb,
    -- Lines held after each event, in replay order.
    arrayCumSum(arrayMap((p, a, b) -> if(p = '', 0, toInt64(a > 0) - toInt64(b > 0)), pids, arraySort((x, k) -> k, lqa, lpos), qb)) AS held,
    -- A removal counts when the line was held: its time and position, or NULL.
    arrayMap((r, b, t) -> if(r AND b > 0, t, NULL), line.2, lqb, line.7) AS removed_at,
    arrayMap((r, b, k) -> if(r AND b > 0, k, NULL), line.2, lqb, lpos) AS removed_ord,
    -- Lines: the runs of the line order, less the run of events without a product ('' sorts first).
    arrayFilter((r, p) -> p != '',
      arrayMap((s, e) -> (toUInt64(s), toUInt64(e - s)), run_starts, arrayPushBack(arrayPopFront(run_starts), length(lpos) + 1)),
      run_products) AS line_ranges,
    arrayFilter(p -> p != '', run_products) AS line_product_id,
    arrayFilter((q, e, p) -> e AND p != '', lqa, run_end, line.1) AS line_quantity,
    arrayFilter((x, e, p) -> e AND p != '', line.6, run_end, line.1) AS line_last_price
  FROM (
    SELECT *,
      -- Quantity before each event: that after the line's previous event (0 at a run start).
      arrayMap((s, prev) -> if(s, 0, prev), run_start, arrayShiftRight(lqa, 1)) AS lqb,
      arrayPushBack(arrayPopFront(run_start), 1) AS run_end,
      arrayFilter((k, s) -> s, arrayEnumerate(lpos), run_start) AS run_starts,
      arrayFilter((p, s) -> s, line.1, run_start) AS run_products
    FROM (
      -- The fold, in line order: a run per product, a segment from each reset (and each run start).
      SELECT *,
        arrayMap(u -> u = 1, arrayEnumerateUniq(line.1)) AS run_start,
        arrayMap((s, r, c) -> s OR r OR c, run_start, line.2, line.3) AS segment_start,
        arrayFill((b, s) -> s, line.5, segment_start)
          + arrayCumSum(line.4)
          - arrayFill((c, s) -> s, arrayCumSum(line.4) - line.4, segment_start) AS lqa
      FROM (
        SELECT
          cart_id, events, started_at, last_activity_at, checkout_started_at, ordered_at,
          replay.18[1] AS channel,
          arrayFirstOrNull(x -> x IS NOT NULL, replay.20) AS campaign,
          replay.19[length(replay)] AS currency,
          arrayLastOrNull(x -> x IS NOT NULL, replay.21) AS customer_id,
          arrayLastOrNull(x -> x IS NOT NULL, replay.22) AS anonymous_id,
          arrayLastOrNull(x -> x IS NOT NULL, replay.23) AS consent_marketing,
          replay.2 AS ts, replay.4 AS pids, replay.6 AS is_removed, replay.7 AS is_change,
          replay.8 AS is_order, replay.11 AS froms,
          -- The line order: by product, then replay position (lpos). line.N are the fields below.
          arraySort((x, p, k) -> (p, k), arrayEnumerate(replay), replay.4, arrayEnumerate(replay)) AS lpos,
          arraySort((x, p, k) -> (p, k),
            arrayZip(
              replay.4,  -- 1 product ('' for events without one)
              replay.6,  -- 2 is a removal
              replay.7,  -- 3 is a quantity change
              replay.9,  -- 4 units added
              replay.10, -- 5 quantity set by a change
              replay.17, -- 6 unit price
              replay.2,  -- 7 time
              replay.12, -- 8 price the line takes from this event, or NULL
              replay.13, -- 9 product name
              replay.14, -- 10 category
              replay.15, -- 11 time, if an add
              replay.16, -- 12 units, if an add
              arrayMap((a, k) -> if(a, k, NULL), replay.5, arrayEnumerate(replay))), -- 13 position, if an add
            replay.4, arrayEnumerate(replay)) AS line
        FROM (
          SELECT
            cart_id,
            toInt64(count()) AS events,
            minIfOrNull(t, type = 'cart.item_added') AS started_at,
            max(t) AS last_activity_at,
            minIfOrNull(t, type = 'cart.checkout_started') AS checkout_started_at,
            minIfOrNull(t, type = 'order.placed') AS ordered_at,
            countIf(sequence IS NOT NULL) = count() AS by_sequence,
            -- INVARIANT: the replay order; evolve() in projections/replay.ts and DuckDB's replay_fold
            -- use the same.
            arraySort(x -> (if(by_sequence, x.1, 0), x.2, x.3), groupArray(e)) AS replay
          FROM (
            SELECT
              cart_id, type, sequence, t,
              -- One event's fields; nullable ones ride in the tuple (groupArray would skip a bare NULL).
              (ifNull(sequence, 0),                                                          -- 1
               t,                                                                            -- 2
               toString(event_id),                                                           -- 3
               ifNull(product_id, ''),                                                       -- 4
               type = 'cart.item_added',                                                     -- 5
               type = 'cart.item_removed',                                                   -- 6
               type = 'cart.item_quantity_changed',                                          -- 7
               type = 'order.placed',                                                        -- 8
               toInt64(if(type = 'cart.item_added', ifNull(quantity, 0), 0)),                -- 9 units added
               toInt64(if(type = 'cart.item_quantity_changed', ifNull(to_quantity, 0), 0)),  -- 10 quantity set
               toInt64(ifNull(from_quantity, 0)),                                            -- 11
               if(product_id IS NOT NULL AND type != 'cart.item_removed', unit_price_minor, NULL), -- 12 price set
               product_name,                                                                 -- 13
               CAST(category AS Nullable(String)),                                           -- 14
               if(type = 'cart.item_added', t, NULL),                                        -- 15 added at
               if(type = 'cart.item_added', toInt64(quantity), NULL),                        -- 16 units, if added
               ifNull(unit_price_minor, 0),                                                  -- 17
               toString(channel), toString(currency), campaign_name, customer_id,            -- 18-21
               anonymous_id, consent_marketing) AS e                                         -- 22-23
            FROM (
              SELECT *, toUnixTimestamp64Milli(occurred_at) AS t
              FROM events FINAL
              WHERE occurred_at <= fromUnixTimestamp64Milli({as_of_ms:Int64}, 'UTC')
            )
          )
          GROUP BY cart_id
        )
      )
    )
  )
);

-- The carts whose last event is at or before as_of, as kept (the fold of all their events is then their
-- fold as of as_of). A window on started_at reaches the kept folds' partition and primary key
-- (migrations/005) through the views, a list of carts their bloom filter on cart_id, and a lower bound on
-- last activity (the audience's lookback) the min-max index on it. Under FINAL, ClickHouse by default
-- widens the granules a skip index keeps to every granule sharing their key values (PrimaryKeyExpand),
-- which undid both prunings; without the widening a skipped granule may hold another row of a kept key,
-- which is exact here for these filters only: every row of a key has the same cart_id, and a cart's last
-- activity only grows with its fold's version (a tombstone carries the row it hides), so a granule whose
-- rows all ended before a lower bound holds no newest row of a key that passes it. An upper bound would
-- not be exact: identity() keeps this view's own `<= as_of` away from the index.
CREATE OR REPLACE VIEW cart_replay_kept AS
SELECT * EXCEPT (is_deleted) FROM cart_folds FINAL WHERE identity(last_activity_at) <= {as_of_ms:Int64}
SETTINGS use_skip_indexes_if_final_exact_mode = 0;

-- Every cart as of the instant: its kept fold when its last event is at or before as_of, otherwise folded
-- now from its events up to as_of. The cart filter reaches the events scan (cart_id is the fold's GROUP BY
-- key and leads the sorting key). The carts with later events are found without FINAL: a cart's last
-- activity only grows with its fold's version (a tombstone carries an older fold's), so any row of it past
-- as_of means its newest is; the min-max index on last_activity_at then skips every granule when as_of is
-- at or after the last event stored. Planning the fold costs even then: for such an as_of the adapter
-- reads the `_kept` twins of these views instead (sql/clickhouse/keptModel.ts).
CREATE OR REPLACE VIEW cart_replay_asof AS
SELECT * FROM cart_replay_kept(as_of_ms = {as_of_ms:Int64})
UNION ALL
SELECT * FROM cart_fold_asof(as_of_ms = {as_of_ms:Int64})
WHERE cart_id IN (SELECT cart_id FROM cart_folds WHERE last_activity_at > {as_of_ms:Int64});

-- One row per cart as of the instant, with its status. abandon_ms is the inactivity after which a cart
-- holding items is abandoned.
CREATE OR REPLACE VIEW cart_state_asof AS
SELECT *,
  if(status = 'abandoned', if(checkout_started_at IS NOT NULL, 'checkout', 'cart'), NULL) AS stage,
  if(status = 'abandoned', last_activity_at + {abandon_ms:Int64}, NULL) AS abandoned_at
FROM (
  SELECT *,
    toBool(ordered_at IS NOT NULL AND ifNull(longest_idle_holding_ms >= {abandon_ms:Int64}, false)) AS recovered,
    multiIf(
      ordered_at IS NOT NULL, 'converted',
      items >= 1 AND {as_of_ms:Int64} - last_activity_at >= {abandon_ms:Int64}, 'abandoned',
      items = 0, 'emptied',
      'open') AS status
  FROM cart_replay_asof(as_of_ms = {as_of_ms:Int64})
);

-- Each line (cart, product) as of the instant: quantity after its last event, unit price of its latest
-- add or quantity change, when it was first added, first removed, and what was added and removed, with
-- what its cart's status needs (last activity, checkout, order, lines held). Columns in the order of the
-- kept line model, cart_line_folds (migrations/004_cart_line_folds.sql), which is filled from this view.
CREATE OR REPLACE VIEW cart_lines_asof AS
SELECT
  first_added_at, cart_id, product_id, events, last_activity_at, checkout_started_at, ordered_at, items,
  quantity, first_added_quantity, unit_price_minor, product_name, category, first_added_ord,
  last_added_ord, first_removed_at, first_removed_ord, removals, units_added, units_removed
FROM cart_replay_asof(as_of_ms = {as_of_ms:Int64})
ARRAY JOIN
  line_product_id AS product_id, line_quantity AS quantity, line_unit_price_minor AS unit_price_minor,
  line_product_name AS product_name, line_category AS category, line_first_added_at AS first_added_at,
  line_first_added_quantity AS first_added_quantity, line_first_added_ord AS first_added_ord,
  line_last_added_ord AS last_added_ord, line_first_removed_at AS first_removed_at,
  line_first_removed_ord AS first_removed_ord, line_removals AS removals, line_units_added AS units_added,
  line_units_removed AS units_removed;

-- Abandoned carts as of the instant that a campaign may target, abandoned within the lookback (abandoned_at
-- > as_of - lookback_ms): a customer who placed any order after the cart's last activity is left out
-- (anonymous carts cannot be matched, so they stay).
-- The lookback bounds what is read, not only what is returned: such a cart's last activity lies in
-- (as_of - lookback_ms - abandon_ms, as_of - abandon_ms], and only an order after that can leave it out,
-- so both reads filter on a bare stored time column (last_activity_at; placed_at, which partitions and
-- sorts the orders model), never on a function of it.
-- Each customer's last order comes from the orders model (customer_orders, migrations/007), laid out by
-- when it was placed, without FINAL: a copy not yet merged has the same time, and a maximum does not
-- count. (Not from cart_folds: a cart keeps its first order only, and the customer of its latest event,
-- which need not be the order's.) Every order stored is in it once the marks are folded, which a read of
-- this view does first, so it answers as of any instant.
CREATE OR REPLACE VIEW audience_asof AS
SELECT s.*
FROM cart_state_asof(as_of_ms = {as_of_ms:Int64}, abandon_ms = {abandon_ms:Int64}) AS s
LEFT JOIN (
  SELECT customer_id, max(placed_at) AS last_order_at
  FROM customer_orders
  WHERE placed_at > {as_of_ms:Int64} - {lookback_ms:Int64} - {abandon_ms:Int64}
    AND placed_at <= {as_of_ms:Int64}
  GROUP BY customer_id
) AS o ON o.customer_id = s.customer_id
WHERE s.status = 'abandoned'
  AND s.last_activity_at > {as_of_ms:Int64} - {lookback_ms:Int64} - {abandon_ms:Int64}
  AND s.last_activity_at <= {as_of_ms:Int64} - {abandon_ms:Int64}
  AND (o.last_order_at IS NULL OR o.last_order_at <= s.last_activity_at)
SETTINGS join_use_nulls = 1;
