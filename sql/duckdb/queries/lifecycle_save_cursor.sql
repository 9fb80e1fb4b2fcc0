-- Where detection stands after a save (announce/log.ts): the one row, replaced.
INSERT OR REPLACE INTO lifecycle_cursor VALUES (1, CAST($watermark_ms AS BIGINT), CAST($received_ms AS BIGINT), CAST($saved_at_ms AS BIGINT));
