-- The recovery report: sql/duckdb/queries/recovery.sql says what each row is. Here each episode is read
-- once and spread over its breakdowns (dim, key) and parts (its counts, its abandoned value in its
-- currency, its recovered value in the recovery's) by two ARRAY JOINs, then grouped once: a CTE named
-- twice is computed twice. With {value_days}, the value parts are also split by the local day in {tz} of
-- the abandonment or of the recovering order (NULL otherwise). Each id once (a save retried before a merge may have kept it twice), known as
-- of as_of if any copy was detected by then; each acknowledgement's earliest row counts.
WITH
known AS (
  SELECT
    id,
    any(kind) AS k,
    any(cart_id) AS cart,
    any(episode) AS ep,
    any(at_ms) AS t,
    any(payload) AS p
  FROM lifecycle_announcements
  WHERE at_ms >= {from_ms:Int64} AND at_ms <= {as_of_ms:Int64} AND detected_at_ms <= {as_of_ms:Int64}
  GROUP BY id
),
episodes AS (
  SELECT
    cart,
    countIf(k = 'cart.abandoned') > 0 AS has_abandoned,
    anyIf(t, k = 'cart.abandoned') AS abandoned_at_ms,
    anyIf(p, k = 'cart.abandoned') AS abandoned,
    countIf(k = 'cart.reactivated') > 0 AS has_reactivated,
    anyIf(p, k = 'cart.reactivated') AS reactivated,
    countIf(k = 'cart.recovered') > 0 AS has_recovered,
    anyIf(p, k = 'cart.recovered') AS recovered,
    anyIf(t, k = 'cart.recovered') AS recovered_at_ms,
    countIf(k = 'cart.abandoned' AND id IN (SELECT id FROM lifecycle_acknowledged WHERE acknowledged_at_ms <= {as_of_ms:Int64})) > 0 AS announced
  FROM known
  GROUP BY cart, ep
),
facts AS (
  SELECT
    JSONExtractString(abandoned, 'stage') AS stage,
    JSONExtractString(abandoned, 'channel') AS channel,
    JSONExtractString(abandoned, 'currency') AS abandoned_currency,
    JSONExtractInt(abandoned, 'value_minor') AS abandoned_value_minor,
    announced AS is_announced,
    has_reactivated OR has_recovered AS is_back,
    has_recovered AS is_recovered,
    ifNull(JSONExtract(recovered, 'via_cart_id', 'Nullable(String)') != cart, false) AS is_via_other,
    JSONExtractString(recovered, 'currency') AS recovered_currency,
    JSONExtract(recovered, 'total_minor', 'Nullable(Int64)') AS recovered_value_minor,
    if({value_days:Bool}, formatDateTime(fromUnixTimestamp64Milli(abandoned_at_ms, 'UTC'), '%Y-%m-%d', {tz:String}), NULL) AS abandoned_day,
    if({value_days:Bool} AND has_recovered, formatDateTime(fromUnixTimestamp64Milli(recovered_at_ms, 'UTC'), '%Y-%m-%d', {tz:String}), NULL) AS recovered_day,
    JSONExtractInt(recovered, 'ms_since_abandoned') AS ms_to_recovery,
    ifNull(if(has_reactivated, JSONExtract(reactivated, 'campaign', 'Nullable(String)'), JSONExtract(recovered, 'campaign', 'Nullable(String)')), '(none)') AS campaign
  FROM episodes
  WHERE has_abandoned AND abandoned_at_ms < {to_ms:Int64}
),
ranked AS (
  SELECT facts.*, if(is_back, if(c.campaign_rank <= {max_campaigns:UInt32}, campaign, '(other)'), '') AS campaign_key
  FROM facts
  LEFT JOIN (
    SELECT campaign, row_number() OVER (ORDER BY count() DESC, campaign) AS campaign_rank FROM facts WHERE is_back GROUP BY campaign
  ) AS c USING (campaign)
)
SELECT
  pt.1 AS part, d.1 AS dim, d.2 AS key, pt.2 AS currency, pt.4 AS day,
  count() AS episodes,
  -- The counts on the episodes' rows, the value on the values' rows, NULL elsewhere: as DuckDB's (one row
  -- shape per part, sql/catalogue/analyses.ts).
  if(part = 'episodes', countIf(is_announced), NULL) AS announced,
  if(part = 'episodes', countIf(is_back), NULL) AS reactivated,
  if(part = 'episodes', countIf(is_recovered), NULL) AS recovered,
  if(part = 'episodes', countIf(is_via_other), NULL) AS via_other_cart,
  if(part = 'episodes', quantileExactInclusiveIfOrNull(0.5)(ms_to_recovery, is_recovered), NULL) AS median_ms_to_recovery,
  -- Summed exactly (Int128: an Int64 sum wraps), saturated at 2^53 - 1 (docs/metrics.md, "Money values").
  if(part = 'episodes', NULL, toInt64(least(sum(toInt128(ifNull(pt.3, 0))), 9007199254740991))) AS value_minor
FROM ranked
ARRAY JOIN
  arrayFilter(x -> x.2 != '', [('all', 'all'), ('stage', stage), ('channel', channel),
    ('announced', if(is_announced, 'announced', 'not_announced')), ('campaign', campaign_key)]) AS d
ARRAY JOIN
  arrayFilter(y -> y.1 != 'recovered_value' OR is_recovered, [
    ('episodes', CAST(NULL AS Nullable(String)), CAST(NULL AS Nullable(Int64)), CAST(NULL AS Nullable(String))),
    ('abandoned_value', toNullable(abandoned_currency), toNullable(abandoned_value_minor), abandoned_day),
    ('recovered_value', toNullable(recovered_currency), recovered_value_minor, recovered_day)]) AS pt
GROUP BY part, dim, key, currency, day
ORDER BY part, dim, key, currency, day
