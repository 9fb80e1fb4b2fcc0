-- Whether a customer placed an order (in any cart) after {since_ms}: sql/duckdb/queries/lifecycle_ordered_since.sql.
-- No FINAL: a copy of an order is still an order.
SELECT count() > 0 AS ordered
FROM events
PREWHERE type = 'order.placed'
WHERE customer_id = {customer_id:String} AND occurred_at > fromUnixTimestamp64Milli({since_ms:Int64}, 'UTC')
