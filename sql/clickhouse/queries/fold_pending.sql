-- The marks to look at before a read: those since the last fold, and those of the margin before it (a mark
-- is stamped when its insert starts and seen when it ends: one that took up to margin_ms to land after a
-- fold took its time is still found). fold_to_us is the server's time now (µs), the next watermark.
SELECT
  toUnixTimestamp64Micro(now64(6)) AS fold_to_us,
  groupArray((cart_id, toString(toUnixTimestamp64Micro(marked_at)))) AS marks
FROM cart_dirty
WHERE marked_at > (SELECT ifNull(max(folded_to), toDateTime64(0, 6, 'UTC')) FROM fold_watermark) - toIntervalMillisecond({margin_ms:Int64})
