-- Marks an hour behind the last fold: folded, and past any margin.
DELETE FROM cart_dirty
WHERE marked_at < (SELECT ifNull(max(folded_to), toDateTime64(0, 6, 'UTC')) FROM fold_watermark) - INTERVAL 1 HOUR
