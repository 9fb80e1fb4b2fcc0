-- Before the announcements of the forgotten customer's carts go (forget_lifecycle.sql): what webhook
-- delivery keeps of them in lifecycle_dead_letters, found by their seq.
DELETE FROM lifecycle_dead_letters WHERE seq IN (SELECT seq FROM lifecycle_announcements WHERE cart_id IN (SELECT cart_id FROM forget_carts));
