-- Before the announcements of the forgotten customer's carts go (forget_lifecycle.sql): what webhook
-- delivery keeps of them in lifecycle_replays, found by their seq.
DELETE FROM lifecycle_replays WHERE seq IN (SELECT seq FROM lifecycle_announcements WHERE cart_id IN (SELECT cart_id FROM forget_carts));
