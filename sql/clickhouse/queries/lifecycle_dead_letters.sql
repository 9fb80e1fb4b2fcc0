-- An endpoint's dead letters, in seq order; of a dead letter a replay wrote anew, the newest row only
-- (lifecycle_dead_letter_prune.sql deletes the older after it).
SELECT seq, toString(id) AS id, attempts, reason, at_ms FROM lifecycle_dead_letters WHERE endpoint = {endpoint:String}
ORDER BY seq, at_ms DESC
LIMIT 1 BY seq
