-- The recovery report (GET /v1/funnels/recovery, projections/recovery.ts; docs/metrics.md, "Recovery
-- report"): the abandonment episodes whose abandonment instant is in [from, to), as the announcement log
-- knew them at as_of (what had happened and had been detected by then), each with what became of it by
-- as_of: announced (acknowledged by a webhook endpoint by then), back (a return or an order), recovered.
-- One row per part, breakdown (dim) and key:
--   part 'episodes'         episodes, and of them announced, reactivated (back: a return or an order),
--                           recovered, via_other_cart; the median time to recovery (interpolated between
--                           the two middle values, as quantile_cont; NULL without a recovery);
--   part 'abandoned_value'  per currency of the abandoned cart: its episodes and Σ value_minor;
--   part 'recovered_value'  per currency of the recovery: its episodes and Σ order total_minor.
-- With $value_days (an answer asked in a reporting currency), the value parts are also split by day: the
-- local day in $tz of the abandonment (abandoned_value) or of the recovering order (recovered_value), whose
-- rate converts them (projections/conversion.ts); NULL otherwise.
-- dim: 'all' (key 'all'), 'stage', 'channel' (the abandonment's), 'announced' ('announced' or
-- 'not_announced'), 'campaign' (of the episodes that came back only: the return's campaign, else the
-- order's, '(none)' without one; the $max_campaigns with most of them kept, the rest as '(other)').
--   $from_ms, $to_ms, $as_of_ms, $max_campaigns, $value_days, $tz
-- facts and keyed are read several times: MATERIALIZED, so the log is read and its JSON parsed once.
WITH known AS (
  SELECT
    kind, cart_id, episode, at_ms, payload,
    id IN (SELECT id FROM lifecycle_acknowledged WHERE acknowledged_at_ms <= CAST($as_of_ms AS BIGINT)) AS acknowledged
  FROM lifecycle_announcements
  -- An episode's return and recovery come after its abandonment, so nothing before from is needed.
  WHERE at_ms >= CAST($from_ms AS BIGINT) AND at_ms <= CAST($as_of_ms AS BIGINT) AND detected_at_ms <= CAST($as_of_ms AS BIGINT)
),
episodes AS (
  SELECT
    cart_id,
    any_value(at_ms) FILTER (WHERE kind = 'cart.abandoned') AS abandoned_at_ms,
    any_value(payload) FILTER (WHERE kind = 'cart.abandoned') AS abandoned,
    any_value(payload) FILTER (WHERE kind = 'cart.reactivated') AS reactivated,
    any_value(payload) FILTER (WHERE kind = 'cart.recovered') AS recovered,
    any_value(at_ms) FILTER (WHERE kind = 'cart.recovered') AS recovered_at_ms,
    coalesce(bool_or(acknowledged) FILTER (WHERE kind = 'cart.abandoned'), false) AS announced
  FROM known
  GROUP BY cart_id, episode
),
facts AS MATERIALIZED (
  SELECT
    json_extract_string(abandoned, '$.stage') AS stage,
    json_extract_string(abandoned, '$.channel') AS channel,
    json_extract_string(abandoned, '$.currency') AS abandoned_currency,
    CAST(json_extract(abandoned, '$.value_minor') AS BIGINT) AS abandoned_value_minor,
    announced AS is_announced,
    reactivated IS NOT NULL OR recovered IS NOT NULL AS is_back,
    recovered IS NOT NULL AS is_recovered,
    -- Recovered by an order of another cart of the customer's (absent or null: this cart).
    coalesce(json_extract_string(recovered, '$.via_cart_id') <> cart_id, false) AS is_via_other,
    json_extract_string(recovered, '$.currency') AS recovered_currency,
    CAST(json_extract(recovered, '$.total_minor') AS BIGINT) AS recovered_value_minor,
    CASE WHEN $value_days THEN strftime(timezone($tz, epoch_ms(abandoned_at_ms) AT TIME ZONE 'UTC'), '%Y-%m-%d') END AS abandoned_day,
    CASE WHEN $value_days AND recovered IS NOT NULL THEN strftime(timezone($tz, epoch_ms(recovered_at_ms) AT TIME ZONE 'UTC'), '%Y-%m-%d') END AS recovered_day,
    CAST(json_extract(recovered, '$.ms_since_abandoned') AS BIGINT) AS ms_to_recovery,
    -- The campaign of the event that brought the customer back: the return's, or the order's without one.
    coalesce(CASE WHEN reactivated IS NOT NULL THEN json_extract_string(reactivated, '$.campaign') ELSE json_extract_string(recovered, '$.campaign') END, '(none)') AS campaign
  FROM episodes
  WHERE abandoned IS NOT NULL AND abandoned_at_ms < CAST($to_ms AS BIGINT)
),
campaigns AS (
  SELECT campaign, row_number() OVER (ORDER BY count(*) DESC, campaign) AS rank
  FROM facts WHERE is_back GROUP BY campaign
),
keyed AS MATERIALIZED (
  SELECT 'all' AS dim, 'all' AS key, * FROM facts
  UNION ALL SELECT 'stage', stage, * FROM facts
  UNION ALL SELECT 'channel', channel, * FROM facts
  UNION ALL SELECT 'announced', CASE WHEN is_announced THEN 'announced' ELSE 'not_announced' END, * FROM facts
  UNION ALL
  SELECT 'campaign', CASE WHEN c.rank <= CAST($max_campaigns AS BIGINT) THEN f.campaign ELSE '(other)' END, f.*
  FROM facts f JOIN campaigns c ON c.campaign = f.campaign
  WHERE f.is_back
)
SELECT
  'episodes' AS part, dim, key, NULL::VARCHAR AS currency, NULL::VARCHAR AS day,
  count(*) AS episodes,
  count(*) FILTER (WHERE is_announced) AS announced,
  count(*) FILTER (WHERE is_back) AS reactivated,
  count(*) FILTER (WHERE is_recovered) AS recovered,
  count(*) FILTER (WHERE is_via_other) AS via_other_cart,
  quantile_cont(ms_to_recovery, 0.5) FILTER (WHERE is_recovered) AS median_ms_to_recovery,
  NULL::BIGINT AS value_minor
FROM keyed GROUP BY dim, key
UNION ALL
SELECT
  'abandoned_value', dim, key, abandoned_currency, abandoned_day, count(*), NULL, NULL, NULL, NULL, NULL,
  -- Summed exactly (HUGEINT), saturated at 2^53 - 1 as every value (docs/metrics.md, "Money values").
  least(coalesce(sum(abandoned_value_minor), 0), 9007199254740991)::BIGINT
FROM keyed GROUP BY dim, key, abandoned_currency, abandoned_day
UNION ALL
SELECT
  'recovered_value', dim, key, recovered_currency, recovered_day, count(*), NULL, NULL, NULL, NULL, NULL,
  least(coalesce(sum(recovered_value_minor), 0), 9007199254740991)::BIGINT
FROM keyed WHERE is_recovered GROUP BY dim, key, recovered_currency, recovered_day
ORDER BY part, dim, key, currency, day;
