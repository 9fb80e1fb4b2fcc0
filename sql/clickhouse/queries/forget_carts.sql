-- The carts holding a customer's events (by customer_id, or by anonymous_id: the other parameter is NULL and
-- matches nothing): their kept folds go with the events (a fold carries the customer's id and what they
-- held) and are folded again from the events that remain.
SELECT DISTINCT cart_id FROM events WHERE (ifNull(customer_id = {customer_id:Nullable(String)}, 0) OR ifNull(anonymous_id = {anonymous_id:Nullable(String)}, 0))
