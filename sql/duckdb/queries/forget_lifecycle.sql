-- The lifecycle's announcements of the forgotten customer's carts (forget_carts.sql) go: their payloads name
-- the customer and the cart's lines. Not announced again: the detector's cursor has moved on. Their
-- acknowledgements go first, found by the announcements' ids (they hold no cart of their own).
DELETE FROM lifecycle_acknowledged WHERE id IN (SELECT id FROM lifecycle_announcements WHERE cart_id IN (SELECT cart_id FROM forget_carts));
DELETE FROM lifecycle_announcements WHERE cart_id IN (SELECT cart_id FROM forget_carts);
