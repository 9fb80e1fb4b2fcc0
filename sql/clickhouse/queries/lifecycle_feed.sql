-- The announcements stored after {after} (a seq), in seq order, at most {limit}. FINAL: one row per id.
SELECT seq, toString(id) AS id, kind, cart_id, episode, at_ms, customer_id, payload
FROM lifecycle_announcements FINAL
WHERE seq > {after:UInt64}
ORDER BY seq
LIMIT {limit:UInt64}
