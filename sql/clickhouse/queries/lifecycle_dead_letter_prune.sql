-- A replay that failed again wrote the dead letter anew (at {at_ms}): the older rows of it go. Until they do
-- (a process stopped in between), readers take the newest per seq.
DELETE FROM lifecycle_dead_letters WHERE endpoint = {endpoint:String} AND seq = {seq:UInt64} AND at_ms < {at_ms:Int64}
