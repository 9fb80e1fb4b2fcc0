-- The size and value of the audience after the cursor (the whole audience without one), per currency.
SELECT currency, count(*) AS carts, sum(value_minor) AS value_minor
FROM audience_asof($as_of_ms, $abandon_ms)
WHERE ($stage = 'any' OR stage = $stage)
  AND value_minor >= CAST($min_value_minor AS BIGINT)
  AND ($consent = 'any' OR consent_marketing)
  AND (abandoned_at > CAST($after_at AS BIGINT) OR (abandoned_at = CAST($after_at AS BIGINT) AND cart_id > $after_cart))
GROUP BY currency
ORDER BY currency;
