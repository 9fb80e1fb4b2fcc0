-- Where detection stands after a save: the newest row counts.
INSERT INTO lifecycle_cursor SELECT {watermark_ms:Nullable(Int64)}, {received_ms:Nullable(Int64)}, {saved_at_ms:Int64}
