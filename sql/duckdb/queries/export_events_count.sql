-- How many events an export of [from_ms, to_ms) holds; checked against the export row limit first.
SELECT count(*) AS n
FROM events
WHERE occurred_at >= epoch_ms(CAST($from_ms AS BIGINT)) AND occurred_at < epoch_ms(CAST($to_ms AS BIGINT));
