-- The carts holding at least one event of the customer (by customer_id, or by anonymous_id: the other
-- parameter is NULL and matches nothing): their folds in cart_replay must go.
CREATE OR REPLACE TEMP TABLE forget_carts AS
SELECT DISTINCT cart_id FROM events WHERE customer_id = $customer_id OR anonymous_id = $anonymous_id;
