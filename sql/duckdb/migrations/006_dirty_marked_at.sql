-- When each cart was marked in replay_dirty (epoch ms, the writer's transaction time), so that the read
-- models' lag is visible (/metrics, /v1/stats): how many carts wait for a fold, and since when.
-- Marks written before this migration take its time.
ALTER TABLE replay_dirty ADD COLUMN marked_at BIGINT;
UPDATE replay_dirty SET marked_at = epoch_ms(current_timestamp);
ALTER TABLE replay_dirty ALTER COLUMN marked_at SET DEFAULT epoch_ms(current_timestamp);
