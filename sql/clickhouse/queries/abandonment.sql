-- Carts started in [from, to), as of as_of, by breakdown key and currency (counts add up across currencies).
-- The day of breakdown 'day' is the local day of the start in {tz} (IANA).
-- The key is nested if()s on the parameter, which the planner folds to the one branch asked (a multiIf on it
-- was evaluated whole for every cart, the day's text included, and grouped on as a string: without a
-- breakdown, 38 against 28 ms at 1M for the same rows).
SELECT
  if({breakdown:String} = 'channel', toString(channel),
    if({breakdown:String} = 'campaign', ifNull(campaign, '(none)'),
      if({breakdown:String} = 'day', formatDateTime(fromUnixTimestamp64Milli(assumeNotNull(started_at), 'UTC'), '%Y-%m-%d', {tz:String}),
        'all'))) AS key,
  currency,
  count() AS started,
  countIf(checkout_started_at IS NOT NULL OR ordered_at IS NOT NULL) AS checkout_started,
  countIf(ordered_at IS NOT NULL) AS ordered,
  countIf(status = 'abandoned') AS abandoned,
  countIf(ifNull(stage = 'cart', false)) AS abandoned_at_cart,
  countIf(ifNull(stage = 'checkout', false)) AS abandoned_at_checkout,
  countIf(status = 'open') AS open,
  countIf(status = 'emptied') AS emptied,
  countIf(recovered) AS recovered,
  -- Summed exactly (Int128: an Int64 sum wraps), saturated at 2^53 - 1 (docs/metrics.md, "Money values").
  toInt64(least(sumIf(toInt128(value_minor), status = 'abandoned'), 9007199254740991)) AS abandoned_value_minor,
  sum(anomalies) AS anomalies
FROM cart_state_asof(as_of_ms = {as_of_ms:Int64}, abandon_ms = {abandon_ms:Int64})
WHERE started_at >= {from_ms:Int64} AND started_at < {to_ms:Int64}
GROUP BY key, currency
ORDER BY key, currency;
