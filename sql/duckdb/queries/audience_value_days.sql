-- The audience's value (the carts audience.sql matches, all pages from the cursor on) per currency and local
-- day in $tz of the abandonment: what an answer asked in a reporting currency converts, each day at its rate
-- (projections/conversion.ts). Run only then. The filters are audience.sql's.
SELECT
  currency,
  strftime(timezone($tz, epoch_ms(abandoned_at) AT TIME ZONE 'UTC'), '%Y-%m-%d') AS day,
  -- Summed exactly (HUGEINT), saturated at 2^53 - 1 (docs/metrics.md, "Money values").
  least(sum(value_minor), 9007199254740991)::BIGINT AS day_value_minor
FROM audience_asof($as_of_ms, $abandon_ms, $lookback_ms)
WHERE ($stage = 'any' OR stage = $stage)
  AND value_minor >= CAST($min_value_minor AS BIGINT)
  AND ($consent = 'any' OR consent_marketing)
  AND (abandoned_at > CAST($after_at AS BIGINT) OR (abandoned_at = CAST($after_at AS BIGINT) AND cart_id > $after_cart))
GROUP BY ALL
ORDER BY currency, day;
