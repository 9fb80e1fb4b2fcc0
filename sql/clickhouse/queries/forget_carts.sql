-- The carts holding a customer's events: their kept folds go with the events (a fold carries the
-- customer's id and what they held) and are folded again from the events that remain.
SELECT DISTINCT cart_id FROM events WHERE customer_id = {customer_id:String}
