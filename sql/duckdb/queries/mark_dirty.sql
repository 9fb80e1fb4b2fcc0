INSERT INTO replay_dirty (cart_id) SELECT DISTINCT cart_id FROM stage_events;
