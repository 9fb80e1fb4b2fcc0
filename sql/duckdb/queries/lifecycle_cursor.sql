-- Where detection stands (no row: detection never ran).
SELECT watermark_ms, received_ms FROM lifecycle_cursor WHERE id = 1;
