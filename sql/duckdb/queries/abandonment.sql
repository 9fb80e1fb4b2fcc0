-- Carts started in [from, to), as of as_of, by breakdown key and currency (counts add up across currencies).
-- The day of breakdown 'day' is the local day of the start in $tz (IANA; ICU's time zones).
-- Two steps: the carts are counted per key (channel, campaign) or per quarter hour (UTC) of their start, then
-- the quarter hours are named by their local day. ICU's time zone per cart cost 4x the whole query at 10M
-- (docs/benchmarks.md); per quarter hour it is ~2,900 calls a month. Exact: every offset and every change of
-- offset in use since 1979 falls on a quarter hour (Nepal's +05:45, Chatham's +12:45 included), so a quarter
-- hour never straddles two local days.
WITH per_key AS (
  SELECT
    CASE $breakdown
      WHEN 'channel' THEN channel
      WHEN 'campaign' THEN coalesce(campaign, '(none)')
      ELSE 'all'
    END AS k,
    CASE $breakdown WHEN 'day' THEN started_at // 900000 END AS quarter_hour,
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
    -- Summed exactly (HUGEINT), saturated at 2^53 - 1 below as every value (docs/metrics.md, "Money values").
    coalesce(sum(value_minor) FILTER (WHERE status = 'abandoned'), 0) AS abandoned_value,
    sum(anomalies) AS anomalies
  FROM cart_state_asof($as_of_ms, $abandon_ms)
  WHERE started_at >= CAST($from_ms AS BIGINT) AND started_at < CAST($to_ms AS BIGINT)
  GROUP BY ALL
)
SELECT
  CASE $breakdown
    WHEN 'day' THEN strftime(timezone($tz, epoch_ms(quarter_hour * 900000) AT TIME ZONE 'UTC'), '%Y-%m-%d')
    ELSE k
  END AS key,
  currency,
  sum(started)::BIGINT AS started,
  sum(checkout_started)::BIGINT AS checkout_started,
  sum(ordered)::BIGINT AS ordered,
  sum(abandoned)::BIGINT AS abandoned,
  sum(abandoned_at_cart)::BIGINT AS abandoned_at_cart,
  sum(abandoned_at_checkout)::BIGINT AS abandoned_at_checkout,
  sum(open)::BIGINT AS open,
  sum(emptied)::BIGINT AS emptied,
  sum(recovered)::BIGINT AS recovered,
  least(sum(abandoned_value), 9007199254740991)::BIGINT AS abandoned_value_minor,
  sum(anomalies) AS anomalies
FROM per_key
GROUP BY ALL
ORDER BY key, currency;
