-- A replay request taken, before its dead letter is sent (announce/replay.ts says why).
DELETE FROM lifecycle_replays WHERE endpoint = $endpoint AND seq = CAST($seq AS BIGINT);
