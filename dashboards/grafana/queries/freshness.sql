-- How far behind the store is: seconds from the last event received (and the last event's own time)
-- to now, by the ClickHouse server's clock; NULL while the store is empty.
SELECT
  if(count() = 0, NULL, (toUnixTimestamp64Milli(now64(3)) - toUnixTimestamp64Milli(max(received_at))) / 1000) AS seconds_since_last_received,
  if(count() = 0, NULL, (toUnixTimestamp64Milli(now64(3)) - toUnixTimestamp64Milli(max(occurred_at))) / 1000) AS seconds_since_last_event,
  if(count() = 0, NULL, toUnixTimestamp64Milli(max(received_at))) AS last_received_ms
FROM events
