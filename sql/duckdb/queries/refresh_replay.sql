-- INVARIANT: runs inside one transaction on the writer, serialised with batch writes, so no event lands
-- between reading replay_dirty and clearing it, and every reader sees cart_replay and the read models
-- (cart_model, line_model, customer_orders, and product_model through product_model_apply.sql next) of the
-- same events. Each folded cart gets a key above every kept one (its old rows, deleted next, included), in
-- cart_id order.
INSERT INTO replay_refolded BY NAME
WITH keyed AS (
  SELECT cart_id, (SELECT coalesce(max(cart_key), 0) FROM cart_model) + row_number() OVER (ORDER BY cart_id) AS cart_key
  FROM (SELECT DISTINCT cart_id FROM replay_dirty)
)
SELECT f.* REPLACE (k.cart_key AS cart_key)
FROM replay_fold(253402300799999, 'dirty') f
JOIN keyed k ON k.cart_id = f.cart_id;
DELETE FROM cart_replay WHERE cart_id IN (SELECT cart_id FROM replay_dirty);
DELETE FROM cart_model WHERE cart_id IN (SELECT cart_id FROM replay_dirty);
DELETE FROM line_model WHERE cart_id IN (SELECT cart_id FROM replay_dirty);
-- Appended in the order their range filters read: cart_replay by its carts' last event (as-of reads
-- take the carts with events after as_of), the models by when the cart or the line started.
INSERT INTO cart_replay BY NAME SELECT * FROM replay_refolded ORDER BY cart_last_at, cart_id, ord;
-- As of the end of time, the only carts the models do not answer are those just refolded.
INSERT INTO cart_model BY NAME SELECT * FROM cart_rows_asof(253402300799999) ORDER BY started_at, cart_id;
INSERT INTO line_model BY NAME SELECT * FROM line_rows_asof(253402300799999) ORDER BY first_added_at, cart_id, product_id;
-- The refolded carts' orders with a customer (the orders model, migrations/009), from their events.
DELETE FROM customer_orders WHERE cart_id IN (SELECT cart_id FROM replay_dirty);
INSERT INTO customer_orders
SELECT t, customer_id, cart_id, event_id FROM replay_refolded
WHERE type = 'order.placed' AND customer_id IS NOT NULL
ORDER BY t, event_id;
-- The products the refolded carts name: their kept rows (as the first and the last event each stands for)
-- and the carts' events. Events are only ever added to a cart between refreshes (forgetting recomputes,
-- forget_replay.sql), so the first and last uses of these are those of all the product's events.
INSERT INTO product_namings
SELECT product_id, t, product_name, category FROM replay_refolded WHERE product_id IS NOT NULL
UNION ALL
SELECT m.product_id, k.t, CASE WHEN m.kind = 'name' THEN m.value END, CASE WHEN m.kind = 'category' THEN m.value END
FROM product_model m
CROSS JOIN LATERAL (VALUES (m.first_at), (m.last_at)) k(t)
WHERE m.product_id IN (SELECT product_id FROM replay_refolded);
DELETE FROM replay_refolded;
DELETE FROM replay_dirty;
