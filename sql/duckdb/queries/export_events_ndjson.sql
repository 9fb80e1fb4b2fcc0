-- The lines of the events of [from_ms, to_ms), one stored payload per line (the event as the producer
-- sent it), handed over as bytes in blocks: one BLOB per $block_ms of time holding its lines joined by line
-- breaks, in (occurred_at, event_id) order, blocks in time order; the caller writes the last line's break
-- after each block (appending it here copied every block once more: ~10 % of the export's CPU at 1M).
-- A block is a few thousand lines: the engine joins them and the caller writes its bytes as they are (no
-- JavaScript string per event: decoding and re-encoding each payload cost more than the query itself).
-- Raw line breaks can only be whitespace between JSON tokens (inside strings they are escaped), so they
-- become spaces to keep one event per line; nothing else changes. Most payloads have none and pass as they are.
-- The range filters the bare occurred_at (the zone maps of events, stored in arrival order, skip the
-- row groups outside it); the caller asks for the range in slices, so the first lines leave after one
-- slice's work, not the whole range's.
SELECT encode(string_agg(line, chr(10) ORDER BY occurred_at, event_id)) AS lines,
  epoch_ms(occurred_at) // $block_ms AS block
FROM (
  SELECT
    CASE WHEN contains(CAST(payload AS VARCHAR), chr(10)) OR contains(CAST(payload AS VARCHAR), chr(13))
      THEN replace(replace(CAST(payload AS VARCHAR), chr(13), ' '), chr(10), ' ')
      ELSE CAST(payload AS VARCHAR)
    END AS line,
    occurred_at, event_id
  FROM events
  WHERE occurred_at >= epoch_ms(CAST($from_ms AS BIGINT)) AND occurred_at < epoch_ms(CAST($to_ms AS BIGINT))
)
GROUP BY block
ORDER BY block;
