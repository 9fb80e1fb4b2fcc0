-- The audience abandoned within the lookback, after the cursor (all of it without one): one page of carts in
-- (abandoned_at, cart_id) order (kind 'cart'), and its size and value per currency (kind 'total', in currency
-- order).
-- One pass over the matching carts, grouped by currency: each group keeps its first `limit` carts with the
-- columns the page shows (groupArraySorted, a bounded top-N ordered by (abandoned_at, cart_id), which is
-- unique, so the other fields never decide) and its totals; the page is the first `limit` of those few.
-- Until December 2026 the top-N kept the keys alone and the page's carts fetched their columns in a second
-- pass over the cart model (the lookback's folds hash-joined on the page's ids): that read every fold of the
-- lookback twice, which costs more than carrying the shown columns through the top-N.
-- query_plan_join_swap_table = 0: the planner's estimate of the carts left by audience_asof's filters (they
-- reach it through two views) is a few hundred rows, so it swapped that view's join and built its hash table
-- on the lookback's abandoned carts instead of on the customers who ordered in the lookback.
-- Both together: 150 → 110 ms (p50, bench 1M store, alternated, load 2.9; docs/clickhouse.md).
SELECT
  kind,
  if(kind = 'cart', c.2, NULL) AS cart_id,
  if(kind = 'cart', c.3, NULL) AS customer_id,
  if(kind = 'cart', c.4, NULL) AS anonymous_id,
  if(kind = 'cart', c.5, NULL) AS stage,
  if(kind = 'cart', c.6, currency_value) AS value_minor,
  currency,
  if(kind = 'cart', c.7, NULL) AS items,
  if(kind = 'cart', c.8, NULL) AS units,
  if(kind = 'cart', c.9, NULL) AS channel,
  if(kind = 'cart', c.10, NULL) AS campaign,
  if(kind = 'cart', c.11, NULL) AS consent_marketing,
  if(kind = 'cart', c.12, NULL) AS started_at,
  if(kind = 'cart', c.13, NULL) AS last_activity_at,
  if(kind = 'cart', c.14, NULL) AS checkout_started_at,
  if(kind = 'cart', c.1, NULL) AS abandoned_at,
  if(kind = 'cart', NULL, currency_carts) AS carts
FROM (
  SELECT *, row_number() OVER (PARTITION BY kind ORDER BY c.1, c.2) AS position
  FROM (
    SELECT currency, currency_carts, currency_value, entry.1 AS kind, entry.2 AS c
    FROM (
      SELECT currency, count() AS currency_carts,
        toInt64(least(sum(toInt128(value_minor)), 9007199254740991)) AS currency_value,
        groupArraySorted({limit:Int64})((abandoned_at, cart_id, customer_id, anonymous_id, stage, value_minor, items, units,
          channel, campaign, consent_marketing, started_at, last_activity_at, checkout_started_at)) AS page
      FROM audience_asof(as_of_ms = {as_of_ms:Int64}, abandon_ms = {abandon_ms:Int64}, lookback_ms = {lookback_ms:Int64})
      WHERE ({stage:String} = 'any' OR stage = {stage:String})
        AND value_minor >= {min_value_minor:Int64}
        AND ({consent:String} = 'any' OR ifNull(consent_marketing, false))
        AND (abandoned_at > {after_at:Int64} OR (abandoned_at = {after_at:Int64} AND cart_id > {after_cart:Nullable(String)}))
      GROUP BY currency
    )
    ARRAY JOIN arrayConcat([('total', page[1])], arrayMap(x -> ('cart', x), page)) AS entry
  )
)
WHERE kind = 'total' OR position <= {limit:Int64}
ORDER BY kind, abandoned_at, cart_id, currency
SETTINGS join_use_nulls = 1, query_plan_join_swap_table = 0;
