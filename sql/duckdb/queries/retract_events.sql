-- Derived events that a cart's snapshots no longer give (a late snapshot changed the diff of its span):
-- the ids come as a JSON array of strings.
DELETE FROM events
WHERE cart_id = $cart_id AND source = 'cart-snapshot'
  AND event_id IN (SELECT CAST(unnest(from_json($event_ids, '["VARCHAR"]')) AS UUID));
