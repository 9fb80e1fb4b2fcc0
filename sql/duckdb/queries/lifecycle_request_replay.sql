-- Requests a replay of the dead letters lifecycle_replay_matching.sql counts; one already waiting is not
-- written again.
INSERT INTO lifecycle_replays
SELECT DISTINCT endpoint, seq, CAST($requested_at_ms AS BIGINT)
FROM lifecycle_dead_letters d
WHERE endpoint = $endpoint
  AND ($all_seqs OR seq IN (SELECT unnest(from_json($seqs, '["BIGINT"]'))))
  AND ($reason = '' OR reason = $reason)
  AND NOT EXISTS (SELECT 1 FROM lifecycle_replays r WHERE r.endpoint = d.endpoint AND r.seq = d.seq);
