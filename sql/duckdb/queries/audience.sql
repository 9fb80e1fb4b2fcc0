-- The audience abandoned within the lookback, after the cursor (all of it without one): one page of carts in
-- (abandoned_at, cart_id) order (kind 'cart'), and its size and value per currency (kind 'total').
WITH matching AS MATERIALIZED (
  SELECT
    cart_id, customer_id, anonymous_id, stage, value_minor, currency, items, units, channel, campaign,
    consent_marketing, started_at, last_activity_at, checkout_started_at, abandoned_at
  FROM audience_asof($as_of_ms, $abandon_ms, $lookback_ms)
  WHERE ($stage = 'any' OR stage = $stage)
    AND value_minor >= CAST($min_value_minor AS BIGINT)
    AND ($consent = 'any' OR consent_marketing)
    AND (abandoned_at > CAST($after_at AS BIGINT) OR (abandoned_at = CAST($after_at AS BIGINT) AND cart_id > $after_cart))
),
page AS (
  SELECT * FROM matching ORDER BY abandoned_at, cart_id LIMIT CAST($limit AS BIGINT)
)
SELECT 'cart' AS kind, *, NULL::BIGINT AS carts FROM page
UNION ALL
-- The currency's value: summed exactly (HUGEINT), saturated at 2^53 - 1 (docs/metrics.md, "Money values").
SELECT 'total' AS kind, NULL, NULL, NULL, NULL, least(sum(value_minor), 9007199254740991)::BIGINT, currency, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, count(*)
FROM matching
GROUP BY currency
ORDER BY kind, abandoned_at, cart_id, currency;
