-- The first event of each of these carts, from the events that remain after a right to erasure (a cart
-- with none left gets no row).
INSERT INTO cart_spans SELECT cart_id, min(occurred_at) AS first_at FROM events WHERE cart_id IN {carts:Array(String)} GROUP BY cart_id
