-- A mutation, before forget_lifecycle.sql: what webhook delivery keeps in lifecycle_dead_letters of the forgotten
-- customer's carts' announcements, found by their seq.
ALTER TABLE lifecycle_dead_letters DELETE WHERE seq IN (SELECT seq FROM lifecycle_announcements WHERE cart_id IN {carts:Array(String)})
