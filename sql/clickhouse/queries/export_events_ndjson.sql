-- One line per event: the stored payload, the event as the producer sent it (as on DuckDB). Raw line
-- breaks can only be whitespace between JSON tokens, so they become spaces to keep one event per line;
-- most payloads have none and pass unchanged.
-- Read from the projection events_by_time (migrations/006_events_by_time.sql), sorted as the export is:
-- a range reads its own granules, not its months. ClickHouse reads no projection under FINAL, so copies of
-- an event not merged yet are dropped here instead: LIMIT 1 BY event_id, on rows whose order puts an
-- event_id's copies next to each other (they share occurred_at). The writer stores an event_id once; a
-- copy only comes from a write retried or raced, of the same event, hence the same line.
-- Ties of occurred_at go by the event_id's text, as on DuckDB: ClickHouse compares UUIDs by their halves
-- swapped ('2…-…-0001' before '1…-…-0002'), so ORDER BY the bare event_id gave another order than DuckDB's.
-- The projection's order still serves: only the few events of one millisecond are sorted again.
-- At most {limit} rows: the count the export was checked against (sql/clickhouse/export.ts).
SELECT if(position(payload, '\n') > 0 OR position(payload, '\r') > 0, replaceAll(replaceAll(payload, '\r', ' '), '\n', ' '), payload) AS line
FROM events
WHERE occurred_at >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC') AND occurred_at < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
ORDER BY occurred_at, toString(event_id)
LIMIT 1 BY event_id
LIMIT {limit:UInt64}
