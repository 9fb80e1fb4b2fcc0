-- The carts that share a customer with a set of carts ({carts}: a JSON array of cart ids), as
-- (cart_id, customer_id) pairs ({all} = 1: every cart's): the same as sql/duckdb/queries/lifecycle_customer_carts.sql (which says why).
-- No FINAL: a duplicate of an event not merged yet gives the same pair, and DISTINCT keeps one.
WITH customers AS (
  SELECT DISTINCT customer_id FROM events
  WHERE customer_id IS NOT NULL AND ({all:UInt8} = 1 OR cart_id IN (SELECT arrayJoin(JSONExtract({carts:String}, 'Array(String)'))))
)
SELECT DISTINCT cart_id, assumeNotNull(customer_id) AS customer_id FROM events
WHERE customer_id IN (SELECT customer_id FROM customers)
ORDER BY cart_id, customer_id
