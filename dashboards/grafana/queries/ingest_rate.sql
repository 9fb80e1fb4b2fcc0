-- Events stored per minute, by when carrello received them (each event once: FINAL).
SELECT $__timeInterval(received_at) AS time, count() * 60 / $__interval_s AS events_per_minute
FROM events FINAL
WHERE $__timeFilter_ms(received_at)
GROUP BY time
ORDER BY time
