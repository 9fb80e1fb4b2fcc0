-- How many of the derived events about to be retracted (retract_events.sql) are stored.
SELECT count() AS n FROM events FINAL
WHERE cart_id = {cart_id:String} AND source = 'cart-snapshot' AND toString(event_id) IN {event_ids:Array(String)}
