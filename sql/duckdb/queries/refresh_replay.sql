-- INVARIANT: runs inside one transaction on the writer, serialised with batch writes, so no event lands
-- between reading replay_dirty and clearing it.
DELETE FROM cart_replay WHERE cart_id IN (SELECT cart_id FROM replay_dirty);
INSERT INTO cart_replay BY NAME SELECT * FROM replay_fold(253402300799999, 'dirty');
DELETE FROM replay_dirty;
