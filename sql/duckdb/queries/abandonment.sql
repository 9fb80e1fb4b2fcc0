-- Carts started in [from, to), as of as_of, by breakdown key and currency (counts add up across currencies).
-- The day of breakdown 'day' is the local day of the start in $tz (IANA; ICU's time zones).
SELECT
  CASE $breakdown
    WHEN 'channel' THEN channel
    WHEN 'campaign' THEN coalesce(campaign, '(none)')
    WHEN 'day' THEN strftime(timezone($tz, epoch_ms(started_at) AT TIME ZONE 'UTC'), '%Y-%m-%d')
    ELSE 'all'
  END AS key,
  currency,
  count(*) AS started,
  count(*) FILTER (WHERE checkout_started_at IS NOT NULL OR ordered_at IS NOT NULL) AS checkout_started,
  count(*) FILTER (WHERE ordered_at IS NOT NULL) AS ordered,
  count(*) FILTER (WHERE status = 'abandoned') AS abandoned,
  count(*) FILTER (WHERE stage = 'cart') AS abandoned_at_cart,
  count(*) FILTER (WHERE stage = 'checkout') AS abandoned_at_checkout,
  count(*) FILTER (WHERE status = 'open') AS open,
  count(*) FILTER (WHERE status = 'emptied') AS emptied,
  count(*) FILTER (WHERE recovered) AS recovered,
  -- Summed exactly (HUGEINT), saturated at 2^53 - 1 as every value (docs/metrics.md, "Money values").
  least(coalesce(sum(value_minor) FILTER (WHERE status = 'abandoned'), 0), 9007199254740991)::BIGINT AS abandoned_value_minor,
  sum(anomalies) AS anomalies
FROM cart_state_asof($as_of_ms, $abandon_ms)
WHERE started_at >= CAST($from_ms AS BIGINT) AND started_at < CAST($to_ms AS BIGINT)
GROUP BY ALL
ORDER BY key, currency;
