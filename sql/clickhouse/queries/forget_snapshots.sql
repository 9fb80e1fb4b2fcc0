-- A mutation, as forget_events.sql: the customer's cart snapshots go with their events (by customer_id, or
-- by anonymous_id: the other parameter is NULL and matches nothing), else a later snapshot of the cart
-- would derive them again.
ALTER TABLE cart_snapshots DELETE WHERE (ifNull(customer_id = {customer_id:Nullable(String)}, 0) OR ifNull(anonymous_id = {anonymous_id:Nullable(String)}, 0))
