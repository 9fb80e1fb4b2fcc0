-- A replay request taken: its outcome is written with this, in the same transaction.
DELETE FROM lifecycle_replays WHERE endpoint = $endpoint AND seq = CAST($seq AS BIGINT);
