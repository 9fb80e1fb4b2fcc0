-- An announcement the endpoint acknowledged, any kind (announce/deliver.ts): what the recovery report counts
-- as announced.
INSERT INTO lifecycle_acknowledged VALUES ($endpoint, CAST($seq AS BIGINT), CAST($id AS UUID), $kind, CAST($acknowledged_at_ms AS BIGINT));
