-- One page of the audience, in (abandoned_at, cart_id) order after the cursor.
SELECT
  cart_id, customer_id, anonymous_id, stage, value_minor, currency, items, units, channel, campaign,
  consent_marketing, started_at, last_activity_at, checkout_started_at, abandoned_at
FROM audience_asof($as_of_ms, $abandon_ms)
WHERE ($stage = 'any' OR stage = $stage)
  AND value_minor >= CAST($min_value_minor AS BIGINT)
  AND ($consent = 'any' OR consent_marketing)
  AND (abandoned_at > CAST($after_at AS BIGINT) OR (abandoned_at = CAST($after_at AS BIGINT) AND cart_id > $after_cart))
ORDER BY abandoned_at, cart_id
LIMIT CAST($limit AS BIGINT);
