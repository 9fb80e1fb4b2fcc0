-- An integer key per cart on every derived row (cart_replay, cart_model, line_model), so that the answers
-- that join a cart's lines with its state (removal.sql, quantity.sql) join on a BIGINT instead of the
-- 45-character cart_id. A surrogate only: the refresh (queries/refresh_replay.sql) gives each cart it
-- folds a key above every kept one, on all its rows in the same transaction, so a cart's rows agree with
-- each other and no two kept carts share a key; a refolded cart gets a new one. Answers never show it.
ALTER TABLE cart_replay ADD COLUMN cart_key BIGINT;
ALTER TABLE replay_refolded ADD COLUMN cart_key BIGINT;
ALTER TABLE cart_model ADD COLUMN cart_key BIGINT;
ALTER TABLE line_model ADD COLUMN cart_key BIGINT;

-- Every cart is folded again on the next read, which gives each its key.
DELETE FROM replay_dirty;
INSERT INTO replay_dirty (cart_id, marked_at) SELECT DISTINCT cart_id, epoch_ms(current_timestamp) FROM events;
