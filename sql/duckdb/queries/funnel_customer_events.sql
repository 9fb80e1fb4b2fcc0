-- The events a funnel looks at, for customers (projections/funnels reads them; docs/funnels.md defines
-- the semantics). Same parameters and columns as funnel_cart_events.sql, plus $until_ms. A customer's
-- events are its carts' events that carry its customer_id; events without one belong to no customer.
-- A customer is looked at when one of its events that can start an attempt occurred in
-- [$from_ms, $to_ms); its events from $from_ms to $until_ms come (until = min(as_of, to + window): a
-- customer is ordered by its clock, so nothing earlier or later can take part in an attempt).
-- seq is always -1: customers are ordered by occurred_at (projections/funnels/stream.ts).
WITH defs AS (
  SELECT unnest(from_json($defs, '[{"type":"VARCHAR","product_id":"VARCHAR","category":"VARCHAR","bits":"INTEGER"}]'), recursive := true)
),
customers AS (
  SELECT customer_id, row_number() OVER () - 1 AS entity
  FROM (
    SELECT DISTINCT e.customer_id
    FROM events e
    JOIN defs d ON e.type = d.type
      AND (d.product_id IS NULL OR e.product_id = d.product_id)
      AND (d.category IS NULL OR e.category = d.category)
    WHERE e.customer_id IS NOT NULL
      AND d.bits & CAST($start_bits AS INTEGER) <> 0
      AND e.occurred_at >= epoch_ms(CAST($from_ms AS BIGINT))
      AND e.occurred_at < epoch_ms(CAST($to_ms AS BIGINT))
      AND e.occurred_at <= epoch_ms(CAST($as_of_ms AS BIGINT))
  )
),
tagged AS (
  SELECT
    e.customer_id,
    e.rowid AS rid,
    epoch_ms(e.occurred_at) AS t,
    coalesce(d.bits, 0) AS bits,
    -- Only events that can start an attempt are asked their value (stream.ts): the rest carry none.
    CASE WHEN d.bits & CAST($start_bits AS INTEGER) <> 0 THEN
      CASE $breakdown WHEN 'channel' THEN e.channel WHEN 'campaign' THEN e.campaign_name WHEN 'currency' THEN e.currency END
    END AS breakdown
  FROM events e
  LEFT JOIN defs d ON e.type = d.type
    AND (d.product_id IS NULL OR e.product_id = d.product_id)
    AND (d.category IS NULL OR e.category = d.category)
  WHERE e.customer_id IS NOT NULL
    AND e.occurred_at >= epoch_ms(CAST($from_ms AS BIGINT))
    AND e.occurred_at <= epoch_ms(CAST($until_ms AS BIGINT))
    AND ($all_events OR d.bits IS NOT NULL)
)
SELECT
  CAST(c.entity AS DOUBLE) AS entity,
  CAST(-1 AS DOUBLE) AS seq,
  CAST(g.t AS DOUBLE) AS t,
  CAST(g.bits AS DOUBLE) AS bits,
  CAST(g.rid AS DOUBLE) AS rid,
  g.breakdown
FROM tagged g
JOIN customers c ON c.customer_id = g.customer_id
