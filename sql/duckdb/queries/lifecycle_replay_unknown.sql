-- The seqs of $seqs (a JSON array) that are not dead letters of $endpoint: a replay request naming one is
-- refused.
SELECT s.seq
FROM (SELECT DISTINCT unnest(from_json($seqs, '["BIGINT"]')) AS seq) s
WHERE s.seq NOT IN (SELECT seq FROM lifecycle_dead_letters WHERE endpoint = $endpoint)
ORDER BY s.seq;
