-- The audience abandoned within the lookback, after the cursor (all of it without one): one page of carts in
-- (abandoned_at, cart_id) order (kind 'cart'), and its size and value per currency (kind 'total').
-- One pass: window functions number the page and total each currency over the same matching carts, so
-- the carts are folded once (a CTE would be folded once per use).
SELECT
  kind,
  if(kind = 'cart', cart_id, NULL) AS cart_id,
  if(kind = 'cart', customer_id, NULL) AS customer_id,
  if(kind = 'cart', anonymous_id, NULL) AS anonymous_id,
  if(kind = 'cart', stage, NULL) AS stage,
  if(kind = 'cart', value_minor, currency_value) AS value_minor,
  currency,
  if(kind = 'cart', items, NULL) AS items,
  if(kind = 'cart', units, NULL) AS units,
  if(kind = 'cart', channel, NULL) AS channel,
  if(kind = 'cart', campaign, NULL) AS campaign,
  if(kind = 'cart', consent_marketing, NULL) AS consent_marketing,
  if(kind = 'cart', started_at, NULL) AS started_at,
  if(kind = 'cart', last_activity_at, NULL) AS last_activity_at,
  if(kind = 'cart', checkout_started_at, NULL) AS checkout_started_at,
  if(kind = 'cart', abandoned_at, NULL) AS abandoned_at,
  if(kind = 'cart', NULL, currency_carts) AS carts
FROM (
  SELECT *,
    row_number() OVER (ORDER BY abandoned_at, cart_id) AS position,
    row_number() OVER (PARTITION BY currency ORDER BY abandoned_at, cart_id) AS position_in_currency,
    count() OVER (PARTITION BY currency) AS currency_carts,
    -- Summed exactly (Int128: an Int64 sum wraps), saturated at 2^53 - 1 (docs/metrics.md, "Money values").
    toInt64(least(sum(toInt128(value_minor)) OVER (PARTITION BY currency), 9007199254740991)) AS currency_value
  FROM (
    SELECT
      cart_id, customer_id, anonymous_id, stage, value_minor, currency, items, units, channel, campaign,
      consent_marketing, started_at, last_activity_at, checkout_started_at, abandoned_at
    FROM audience_asof(as_of_ms = {as_of_ms:Int64}, abandon_ms = {abandon_ms:Int64}, lookback_ms = {lookback_ms:Int64})
    WHERE ({stage:String} = 'any' OR stage = {stage:String})
      AND value_minor >= {min_value_minor:Int64}
      AND ({consent:String} = 'any' OR ifNull(consent_marketing, false))
      AND (abandoned_at > {after_at:Int64} OR (abandoned_at = {after_at:Int64} AND cart_id > {after_cart:Nullable(String)}))
  )
)
ARRAY JOIN arrayFilter(k -> (k = 'cart' AND position <= {limit:Int64}) OR (k = 'total' AND position_in_currency = 1), ['cart', 'total']) AS kind
ORDER BY kind, abandoned_at, cart_id, currency;
