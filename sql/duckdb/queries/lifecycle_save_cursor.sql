-- Where detection stands after a save (announce/log.ts): the newest row counts.
INSERT INTO lifecycle_cursor VALUES (CAST($watermark_ms AS BIGINT), CAST($received_ms AS BIGINT), CAST($saved_at_ms AS BIGINT));
