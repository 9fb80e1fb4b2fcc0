-- The read models' lag: carts with events not yet folded into cart_replay / cart_model / line_model (the
-- next read that needs them folds them), the oldest mark's time, and the engine's clock (epoch ms).
SELECT
  count(DISTINCT cart_id) AS pending_carts,
  min(marked_at) AS oldest_pending_ms,
  epoch_ms(current_timestamp) AS now_ms
FROM replay_dirty;
