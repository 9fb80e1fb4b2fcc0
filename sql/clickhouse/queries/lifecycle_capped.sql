-- Whether the endpoint already got an abandonment of this customer that happened less than {cap_ms} before
-- this one: sql/duckdb/queries/lifecycle_capped.sql.
SELECT count() > 0 AS capped
FROM lifecycle_sent
WHERE endpoint = {endpoint:String} AND customer_id = {customer_id:String}
  AND at_ms > {at_ms:Int64} - {cap_ms:Int64} AND at_ms <= {at_ms:Int64}
