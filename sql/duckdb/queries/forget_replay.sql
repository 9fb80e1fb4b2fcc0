-- The products of those carts are recomputed from the other carts' kept events (product_model_apply.sql
-- next): a name the customer's events gave must go with them. Their carts' remaining events come back at
-- their refold, like any new event.
INSERT INTO product_namings
SELECT r.product_id, CASE WHEN NOT gone THEN r.t END, CASE WHEN NOT gone THEN r.product_name END, CASE WHEN NOT gone THEN r.category END
FROM (SELECT *, cart_id IN (SELECT cart_id FROM forget_carts) AS gone FROM cart_replay) r
WHERE r.product_id IN (SELECT product_id FROM cart_replay WHERE cart_id IN (SELECT cart_id FROM forget_carts));
DELETE FROM cart_replay WHERE cart_id IN (SELECT cart_id FROM forget_carts);
DELETE FROM cart_model WHERE cart_id IN (SELECT cart_id FROM forget_carts);
DELETE FROM line_model WHERE cart_id IN (SELECT cart_id FROM forget_carts);
DELETE FROM customer_orders WHERE cart_id IN (SELECT cart_id FROM forget_carts);
