INSERT INTO replay_dirty SELECT DISTINCT cart_id FROM stage_events;
