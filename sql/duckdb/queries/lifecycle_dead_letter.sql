-- An announcement the endpoint did not take after every attempt, kept with the last reason.
INSERT INTO lifecycle_dead_letters VALUES ($endpoint, CAST($seq AS BIGINT), CAST($id AS UUID), CAST($attempts AS INTEGER), $reason, CAST($at_ms AS BIGINT));
