-- The carts that share a customer with a set of carts ($carts: a JSON array of cart ids), as
-- (cart_id, customer_id) pairs, the given carts' own included (announce/detect.ts): a cart's lifecycle is
-- worked out with every cart of its customers (a recovery by another cart, the customer's earlier
-- abandonments), so these are looked at with it. Anonymous carts have no pair. $all = 1: every cart's
-- pairs (the first detection looks at every cart; $carts is then empty).
WITH customers AS (
  SELECT DISTINCT customer_id FROM events
  WHERE customer_id IS NOT NULL AND (CAST($all AS INTEGER) = 1 OR cart_id IN (SELECT unnest(from_json($carts, '["VARCHAR"]'))))
)
SELECT DISTINCT cart_id, customer_id FROM events
WHERE customer_id IN (SELECT customer_id FROM customers)
ORDER BY cart_id, customer_id;
