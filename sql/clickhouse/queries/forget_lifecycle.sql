-- Mutations, as forget_folds, one statement each (the adapter runs them in order): what the delivery kept
-- of the forgotten customer's carts' announcements (the acknowledgements, the cap's rows, which name the
-- customer, the dead letters and the replays asked), found by the announcements' ids and seqs while those are still there;
-- then the announcements themselves (their payloads name the customer and the cart's lines). Not
-- announced again: the detector's cursor has moved on.
ALTER TABLE lifecycle_acknowledged DELETE WHERE id IN (SELECT id FROM lifecycle_announcements WHERE cart_id IN {carts:Array(String)});
ALTER TABLE lifecycle_sent DELETE WHERE seq IN (SELECT seq FROM lifecycle_announcements WHERE cart_id IN {carts:Array(String)});
ALTER TABLE lifecycle_dead_letters DELETE WHERE id IN (SELECT id FROM lifecycle_announcements WHERE cart_id IN {carts:Array(String)});
ALTER TABLE lifecycle_replays DELETE WHERE seq IN (SELECT seq FROM lifecycle_announcements WHERE cart_id IN {carts:Array(String)});
ALTER TABLE lifecycle_announcements DELETE WHERE cart_id IN {carts:Array(String)}
