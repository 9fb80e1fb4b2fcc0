-- One line per event: the stored payload, the event as the producer sent it. Raw line breaks can only be
-- whitespace between JSON tokens (inside strings they are escaped), so they become spaces to keep one
-- event per line; nothing else changes. Most payloads have none: they are passed on without a copy.
-- The range filters the bare occurred_at (the zone maps of events, stored in arrival order, skip the
-- row groups outside it); the caller asks for the range in slices, so the first lines leave after one
-- slice's sort, not the whole range's.
SELECT
  CASE WHEN contains(CAST(payload AS VARCHAR), chr(10)) OR contains(CAST(payload AS VARCHAR), chr(13))
    THEN replace(replace(CAST(payload AS VARCHAR), chr(13), ' '), chr(10), ' ')
    ELSE CAST(payload AS VARCHAR)
  END AS line
FROM events
WHERE occurred_at >= epoch_ms(CAST($from_ms AS BIGINT)) AND occurred_at < epoch_ms(CAST($to_ms AS BIGINT))
ORDER BY occurred_at, event_id;
