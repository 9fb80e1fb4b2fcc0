SELECT EXISTS (SELECT 1 FROM replay_dirty) AS pending;
