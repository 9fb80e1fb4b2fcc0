-- The carts that may have something new to announce, in cart_id order: the same carts as
-- sql/duckdb/queries/lifecycle_carts.sql (which says why these).
-- Two reads, not one with OR: the bound on occurred_at alone skips the months (partitions) before it.
SELECT cart_id FROM (
  SELECT cart_id FROM events WHERE occurred_at > fromUnixTimestamp64Milli({since_ms:Int64}, 'UTC')
  UNION DISTINCT
  SELECT cart_id FROM events WHERE received_at > fromUnixTimestamp64Milli({received_after_ms:Int64}, 'UTC')
)
ORDER BY cart_id
