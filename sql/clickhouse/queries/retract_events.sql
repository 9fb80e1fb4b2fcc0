-- Derived events that a cart's snapshots no longer give (a late snapshot changed the diff of its span).
-- A mutation, as forget_events.sql, run with mutations_sync = 2; the cart's folds follow (adapter.ts).
ALTER TABLE events DELETE
WHERE cart_id = {cart_id:String} AND source = 'cart-snapshot' AND toString(event_id) IN {event_ids:Array(String)}
