-- The abandoned value of abandonment.sql's carts (started in [from, to), abandoned as of as_of) by its
-- breakdown key, currency and local day in $tz of the abandonment: what an answer asked in a reporting
-- currency converts, each day at its rate (projections/conversion.ts). Run only then, beside abandonment.sql,
-- whose key it repeats.
SELECT
  CASE $breakdown
    WHEN 'channel' THEN channel
    WHEN 'campaign' THEN coalesce(campaign, '(none)')
    WHEN 'day' THEN strftime(timezone($tz, epoch_ms(started_at) AT TIME ZONE 'UTC'), '%Y-%m-%d')
    ELSE 'all'
  END AS key,
  currency,
  strftime(timezone($tz, epoch_ms(abandoned_at) AT TIME ZONE 'UTC'), '%Y-%m-%d') AS day,
  -- Summed exactly (HUGEINT), saturated at 2^53 - 1 as every value (docs/metrics.md, "Money values").
  least(sum(value_minor), 9007199254740991)::BIGINT AS abandoned_value_minor
FROM cart_state_asof($as_of_ms, $abandon_ms)
WHERE started_at >= CAST($from_ms AS BIGINT) AND started_at < CAST($to_ms AS BIGINT) AND status = 'abandoned'
GROUP BY ALL
ORDER BY key, currency, day;
