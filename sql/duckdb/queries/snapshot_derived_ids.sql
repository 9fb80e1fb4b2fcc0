-- The ids of the events stored for one cart that were derived from its snapshots.
SELECT event_id::VARCHAR AS event_id FROM events WHERE cart_id = $cart_id AND source = 'cart-snapshot'
