-- The lifecycle's announcements of the forgotten customer's carts (forget_carts.sql) go: their payloads name
-- the customer and the cart's lines. Not announced again: the detector's cursor has moved on. What the
-- delivery kept of them goes first, found by their ids and seqs: the acknowledgements, the cap's rows
-- (which name the customer), the dead letters and the replays asked.
DELETE FROM lifecycle_acknowledged WHERE id IN (SELECT id FROM lifecycle_announcements WHERE cart_id IN (SELECT cart_id FROM forget_carts));
DELETE FROM lifecycle_sent WHERE seq IN (SELECT seq FROM lifecycle_announcements WHERE cart_id IN (SELECT cart_id FROM forget_carts));
DELETE FROM lifecycle_dead_letters WHERE id IN (SELECT id FROM lifecycle_announcements WHERE cart_id IN (SELECT cart_id FROM forget_carts));
DELETE FROM lifecycle_replays WHERE seq IN (SELECT seq FROM lifecycle_announcements WHERE cart_id IN (SELECT cart_id FROM forget_carts));
DELETE FROM lifecycle_announcements WHERE cart_id IN (SELECT cart_id FROM forget_carts);
