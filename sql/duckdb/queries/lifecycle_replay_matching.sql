-- How many of $endpoint's dead letters a replay request names (announce/replay.ts): all of them
-- ($all_seqs), or those among $seqs (a JSON array); of any reason ($reason ''), or of that reason.
SELECT count(DISTINCT seq) AS matched
FROM lifecycle_dead_letters
WHERE endpoint = $endpoint
  AND ($all_seqs OR seq IN (SELECT unnest(from_json($seqs, '["BIGINT"]'))))
  AND ($reason = '' OR reason = $reason);
