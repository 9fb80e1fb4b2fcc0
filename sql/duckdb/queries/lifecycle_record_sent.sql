-- An abandonment the endpoint acknowledged, for the cap per customer (announce/deliver.ts).
INSERT INTO lifecycle_sent VALUES ($endpoint, CAST($seq AS BIGINT), $customer_id, CAST($at_ms AS BIGINT));
