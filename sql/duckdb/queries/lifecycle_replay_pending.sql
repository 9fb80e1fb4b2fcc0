-- The dead letters of $endpoint whose replay is requested, in seq order after $after, at most $limit: when each was
-- dead-lettered (the newest), and the announcement as delivered (NULL when it left the log: forgotten).
SELECT r.seq, d.dead_at_ms, a.payload
FROM lifecycle_replays r
JOIN (SELECT seq, max(at_ms) AS dead_at_ms FROM lifecycle_dead_letters WHERE endpoint = $endpoint GROUP BY seq) d ON d.seq = r.seq
LEFT JOIN lifecycle_announcements a ON a.seq = r.seq
WHERE r.endpoint = $endpoint AND r.seq > CAST($after AS BIGINT)
ORDER BY r.seq
LIMIT CAST($limit AS BIGINT);
