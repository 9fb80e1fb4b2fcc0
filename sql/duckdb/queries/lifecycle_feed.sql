-- The announcements stored after $after (a seq), in seq order, at most $limit (announce/log.ts).
SELECT seq, id::VARCHAR AS id, kind, cart_id, episode, at_ms, customer_id, payload
FROM lifecycle_announcements
WHERE seq > CAST($after AS BIGINT)
ORDER BY seq
LIMIT CAST($limit AS BIGINT);
