-- An endpoint's dead letters, in seq order.
SELECT seq, id::VARCHAR AS id, attempts, reason, at_ms FROM lifecycle_dead_letters WHERE endpoint = $endpoint ORDER BY seq;
