-- Messages refused by validation per minute, by reason (kept in rejected_events with their bytes).
SELECT $__timeInterval(received_at) AS time, reason, count() * 60 / $__interval_s AS rejected_per_minute
FROM rejected_events
WHERE $__timeFilter_ms(received_at)
GROUP BY time, reason
ORDER BY time, reason
