-- The audience abandoned within the lookback, after the cursor (all of it without one): one page of carts in
-- (abandoned_at, cart_id) order (kind 'cart'), and its size and value per currency (kind 'total', in currency
-- order).
-- In two steps, so that the columns a page shows are read for its carts only: `a` passes over the matching
-- carts with their keys alone, grouped by currency, each group keeping its first `limit` carts
-- (groupArraySorted, a bounded top-N of (abandoned_at, cart_id)) and its totals, the page being the first
-- `limit` of those few; the page's carts then fetch their columns from the cart model (`w`, the hash table
-- built on the page's side). Carrying every column of every matching cart through the join with the
-- orders and three window orderings, as before, cost 1.4–1.8× as much on the bench's 1M store (engine p50
-- 627/418 and 417/288 ms, alternated). `w` is the cart model as of as_of again (as of a past instant its
-- carts with later events are folded twice), cut to the lookback's last activity, where every cart of the
-- page is: the join reaches no index, and uncut it read every kept fold of the history (175,950 rows for
-- 1,000 carts on the bench's 300-day store, 18,000 with the cut).
SELECT
  a.kind AS kind,
  if(a.kind = 'cart', w.cart_id, NULL) AS cart_id,
  if(a.kind = 'cart', w.customer_id, NULL) AS customer_id,
  if(a.kind = 'cart', w.anonymous_id, NULL) AS anonymous_id,
  if(a.kind = 'cart', w.stage, NULL) AS stage,
  if(a.kind = 'cart', w.value_minor, a.currency_value) AS value_minor,
  a.currency AS currency,
  if(a.kind = 'cart', w.items, NULL) AS items,
  if(a.kind = 'cart', w.units, NULL) AS units,
  if(a.kind = 'cart', w.channel, NULL) AS channel,
  if(a.kind = 'cart', w.campaign, NULL) AS campaign,
  if(a.kind = 'cart', w.consent_marketing, NULL) AS consent_marketing,
  if(a.kind = 'cart', w.started_at, NULL) AS started_at,
  if(a.kind = 'cart', w.last_activity_at, NULL) AS last_activity_at,
  if(a.kind = 'cart', w.checkout_started_at, NULL) AS checkout_started_at,
  if(a.kind = 'cart', w.abandoned_at, NULL) AS abandoned_at,
  if(a.kind = 'cart', NULL, a.currency_carts) AS carts
FROM (
  SELECT * FROM cart_state_asof(as_of_ms = {as_of_ms:Int64}, abandon_ms = {abandon_ms:Int64})
  WHERE last_activity_at > {as_of_ms:Int64} - {lookback_ms:Int64} - {abandon_ms:Int64}
) AS w
RIGHT JOIN (
  SELECT * FROM (
    SELECT *, row_number() OVER (PARTITION BY kind ORDER BY cart.1, cart.2) AS position
    FROM (
      SELECT currency, currency_carts, currency_value, entry.1 AS kind, entry.2 AS cart, if(entry.1 = 'cart', cart.2, NULL) AS page_cart_id
      FROM (
        SELECT currency, count() AS currency_carts,
          toInt64(least(sum(toInt128(value_minor)), 9007199254740991)) AS currency_value,
          groupArraySorted({limit:Int64})((abandoned_at, cart_id)) AS page
        FROM audience_asof(as_of_ms = {as_of_ms:Int64}, abandon_ms = {abandon_ms:Int64}, lookback_ms = {lookback_ms:Int64})
        WHERE ({stage:String} = 'any' OR stage = {stage:String})
          AND value_minor >= {min_value_minor:Int64}
          AND ({consent:String} = 'any' OR ifNull(consent_marketing, false))
          AND (abandoned_at > {after_at:Int64} OR (abandoned_at = {after_at:Int64} AND cart_id > {after_cart:Nullable(String)}))
        GROUP BY currency
      )
      ARRAY JOIN arrayConcat([('total', page[1])], arrayMap(c -> ('cart', c), page)) AS entry
    )
  )
  WHERE kind = 'total' OR position <= {limit:Int64}
) AS a ON w.cart_id = a.page_cart_id
ORDER BY kind, abandoned_at, cart_id, currency
SETTINGS join_use_nulls = 1;
