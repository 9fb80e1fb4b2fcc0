-- Where detection stands after a save: a new row, the newest (merges keep only it).
INSERT INTO lifecycle_cursor SELECT 1, {watermark_ms:Nullable(Int64)}, {received_ms:Nullable(Int64)}, {saved_at_ms:Int64}
