-- The seqs of {seqs} that are not dead letters of {endpoint}: sql/duckdb/queries/lifecycle_replay_unknown.sql.
SELECT DISTINCT arrayJoin(JSONExtract({seqs:String}, 'Array(UInt64)')) AS seq
FROM system.one
WHERE seq NOT IN (SELECT seq FROM lifecycle_dead_letters WHERE endpoint = {endpoint:String})
ORDER BY seq
