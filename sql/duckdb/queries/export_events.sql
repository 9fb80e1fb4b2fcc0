-- The export's typed rows (Arrow), in a reproducible order.
SELECT * FROM events_export(CAST($from_ms AS BIGINT), CAST($to_ms AS BIGINT))
ORDER BY occurred_at, event_id;
