-- The export's typed rows (Arrow, Parquet), the columns and types of DuckDB's events_export: ids and
-- texts as strings, schema_version Int32, times DateTime64(3, 'UTC'), money Int64, order lines nested.
-- At most {limit} rows: the count the export was checked against (sql/clickhouse/export.ts).
SELECT
  toString(event_id) AS event_id, toString(type) AS type, toInt32(schema_version) AS schema_version,
  occurred_at, received_at,
  sequence, cart_id, customer_id, anonymous_id, session_id, toString(currency) AS currency, toString(channel) AS channel,
  campaign_source, campaign_medium, campaign_name, consent_marketing,
  product_id, sku, product_name, CAST(category AS Nullable(String)) AS category, CAST(brand AS Nullable(String)) AS brand,
  unit_price_minor, quantity, from_quantity, to_quantity,
  cart_value_minor, order_id, total_minor, order_items, toString(source) AS source,
  payload
FROM events FINAL
WHERE occurred_at >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC') AND occurred_at < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
ORDER BY occurred_at, event_id
LIMIT {limit:UInt64}
