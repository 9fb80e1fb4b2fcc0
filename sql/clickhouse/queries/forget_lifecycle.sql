-- A mutation, as forget_folds: the lifecycle's announcements of the forgotten customer's carts go (their
-- payloads name the customer and the cart's lines). Not announced again: the detector's cursor has moved on.
ALTER TABLE lifecycle_announcements DELETE WHERE cart_id IN {carts:Array(String)}
