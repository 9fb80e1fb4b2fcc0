-- How many events an export of [from_ms, to_ms) holds; checked against the export row limit first.
-- The rows of export_events_ndjson.sql without their payload: the event_ids of the range, each once (copies
-- not merged yet count once, as the export writes them once), read in order from the projection
-- events_by_time, the granules of the range only (migrations/006_events_by_time.sql).
SELECT count() AS n
FROM (
  SELECT event_id
  FROM events
  WHERE occurred_at >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC') AND occurred_at < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
  ORDER BY occurred_at, event_id
  LIMIT 1 BY event_id
);
