-- The marks to look at before a read: those since the last fold, and those of the margin before it (a mark
-- is stamped when its insert starts and seen when it ends: one that took up to margin_ms to land after a
-- fold took its time is still found). fold_to_us is the server's time now (µs), the next watermark.
-- later is folds_after.sql for the read's as_of, in the same round trip: whether a kept fold has an event
-- after it (the min-max index on last_activity_at answers without reading a granule when none has). It
-- holds for the folds as they were before any fold of these marks.
SELECT
  toUnixTimestamp64Micro(now64(6)) AS fold_to_us,
  (
    SELECT groupArray((cart_id, toString(toUnixTimestamp64Micro(marked_at))))
    FROM cart_dirty
    WHERE marked_at > (SELECT ifNull(max(folded_to), toDateTime64(0, 6, 'UTC')) FROM fold_watermark) - toIntervalMillisecond({margin_ms:Int64})
  ) AS marks,
  (SELECT count() > 0 FROM (SELECT 1 FROM cart_folds WHERE last_activity_at > {as_of_ms:Int64} LIMIT 1)) AS later
