-- A mutation, not a lightweight DELETE: the parts are rewritten without the rows (a lightweight DELETE
-- only masks them until a merge). Run with mutations_sync = 2: it returns once every part is rewritten.
-- By customer_id or by anonymous_id (the other parameter is NULL and matches nothing).
ALTER TABLE events DELETE WHERE (ifNull(customer_id = {customer_id:Nullable(String)}, 0) OR ifNull(anonymous_id = {anonymous_id:Nullable(String)}, 0))
