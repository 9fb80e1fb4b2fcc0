-- A mutation, run before forget_lifecycle: the webhook acknowledgements of the forgotten customer's carts'
-- announcements go, found by the announcements' ids while those are still there.
ALTER TABLE lifecycle_acknowledged DELETE WHERE id IN (SELECT id FROM lifecycle_announcements WHERE cart_id IN {carts:Array(String)})
