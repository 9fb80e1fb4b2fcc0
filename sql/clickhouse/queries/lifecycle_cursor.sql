-- Where detection stands: the newest cursor saved (none: detection never ran).
SELECT watermark_ms, received_ms FROM lifecycle_cursor ORDER BY saved_at_ms DESC LIMIT 1
