-- One line per event: the stored payload, the event as the producer sent it (as on DuckDB). Raw line
-- breaks can only be whitespace between JSON tokens, so they become spaces to keep one event per line;
-- most payloads have none and pass unchanged.
-- At most {limit} rows: the count the export was checked against (sql/clickhouse/export.ts).
SELECT if(position(payload, '\n') > 0 OR position(payload, '\r') > 0, replaceAll(replaceAll(payload, '\r', ' '), '\n', ' '), payload) AS line
FROM events FINAL
WHERE occurred_at >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC') AND occurred_at < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
ORDER BY occurred_at, event_id
LIMIT {limit:UInt64}
