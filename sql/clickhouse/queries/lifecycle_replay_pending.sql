-- The dead letters of {endpoint} whose replay is requested: sql/duckdb/queries/lifecycle_replay_pending.sql
-- ('' for the payload of an announcement that left the log).
SELECT r.seq AS seq, d.dead_at_ms AS dead_at_ms, a.payload AS payload
FROM (SELECT DISTINCT seq FROM lifecycle_replays WHERE endpoint = {endpoint:String} AND seq > {after:UInt64}) AS r
INNER JOIN (SELECT seq, max(at_ms) AS dead_at_ms FROM lifecycle_dead_letters WHERE endpoint = {endpoint:String} GROUP BY seq) AS d ON d.seq = r.seq
LEFT JOIN (
  SELECT seq, payload FROM lifecycle_announcements FINAL
  WHERE seq IN (SELECT seq FROM lifecycle_replays WHERE endpoint = {endpoint:String})
) AS a ON a.seq = r.seq
ORDER BY seq
LIMIT {limit:UInt64}
