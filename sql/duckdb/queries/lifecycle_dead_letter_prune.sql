-- A replay that failed again wrote the dead letter anew (lifecycle_dead_letter.sql, at $at_ms): the older
-- rows of it go.
DELETE FROM lifecycle_dead_letters WHERE endpoint = $endpoint AND seq = CAST($seq AS BIGINT) AND at_ms < CAST($at_ms AS BIGINT);
