-- The read models' lag: carts marked in cart_dirty after the fold watermark (their events are stored, their
-- fold in cart_folds / cart_line_folds not yet brought up to date), the oldest such mark, and the server's
-- clock (epoch ms).
SELECT
  uniqExact(cart_id) AS pending_carts,
  if(count() = 0, NULL, toUnixTimestamp64Milli(min(marked_at))) AS oldest_pending_ms,
  toUnixTimestamp64Milli(now64(3)) AS now_ms
FROM cart_dirty
WHERE marked_at > (SELECT ifNull(max(folded_to), toDateTime64(0, 6, 'UTC')) FROM fold_watermark)
