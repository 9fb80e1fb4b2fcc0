-- The ids of the events stored for one cart that were derived from its snapshots.
SELECT toString(event_id) AS event_id FROM events FINAL WHERE cart_id = {cart_id:String} AND source = 'cart-snapshot'
