-- One line per event: the stored payload, the event as the producer sent it. Raw line breaks can only be
-- whitespace between JSON tokens (inside strings they are escaped), so they become spaces to keep one
-- event per line; nothing else changes.
SELECT replace(replace(CAST(payload AS VARCHAR), chr(13), ' '), chr(10), ' ') AS line
FROM events
WHERE occurred_at >= epoch_ms(CAST($from_ms AS BIGINT)) AND occurred_at < epoch_ms(CAST($to_ms AS BIGINT))
ORDER BY occurred_at, event_id;
