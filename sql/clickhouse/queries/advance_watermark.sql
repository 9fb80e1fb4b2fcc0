-- The marks up to fold_to_us are folded.
INSERT INTO fold_watermark SELECT fromUnixTimestamp64Micro({fold_to_us:Int64}, 'UTC')
