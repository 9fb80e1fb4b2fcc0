-- Whether any kept fold has an event after as_of: if none, the cart model as of as_of is the kept rows
-- alone (sql/clickhouse/keptModel.ts). No FINAL (a cart's last activity only grows with its fold's
-- version): the min-max index on last_activity_at skips every granule when the answer is no.
SELECT count() > 0 AS later
FROM (SELECT 1 FROM cart_folds WHERE last_activity_at > {as_of_ms:Int64} LIMIT 1)
