-- The customer's cart snapshots go with their events (by customer_id, or by anonymous_id: the other
-- parameter is NULL and matches nothing): else a later snapshot of the cart would derive them again.
DELETE FROM cart_snapshots WHERE customer_id = $customer_id OR anonymous_id = $anonymous_id;
