-- The latest refused messages in the time range: why, where from, and the start of what was sent.
SELECT received_at, reason, field, detail, source, source_ref, substring(payload, 1, 200) AS payload_start
FROM rejected_events
WHERE $__timeFilter_ms(received_at)
ORDER BY received_at DESC, reason
LIMIT 100
