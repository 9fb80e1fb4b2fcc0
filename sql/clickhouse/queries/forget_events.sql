-- A mutation, not a lightweight DELETE: the parts are rewritten without the rows (a lightweight DELETE
-- only masks them until a merge). Run with mutations_sync = 2: it returns once every part is rewritten.
ALTER TABLE events DELETE WHERE customer_id = {customer_id:String}
