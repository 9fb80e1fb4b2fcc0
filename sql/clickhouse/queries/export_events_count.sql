-- How many events an export of [from_ms, to_ms) holds; checked against the export row limit first.
SELECT count() AS n
FROM events FINAL
WHERE occurred_at >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC') AND occurred_at < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC');
