INSERT INTO replay_dirty (cart_id, marked_at) SELECT DISTINCT cart_id, epoch_ms(current_timestamp) FROM stage_events;
