-- An endpoint's dead letters, in seq order.
SELECT seq, toString(id) AS id, attempts, reason, at_ms FROM lifecycle_dead_letters WHERE endpoint = {endpoint:String} ORDER BY seq
