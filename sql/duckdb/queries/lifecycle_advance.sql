-- An endpoint's delivery moves past $seq (announce/deliver.ts), written after the receiver's acknowledgement.
INSERT OR REPLACE INTO lifecycle_delivered VALUES ($endpoint, CAST($seq AS BIGINT), CAST($updated_at_ms AS BIGINT));
