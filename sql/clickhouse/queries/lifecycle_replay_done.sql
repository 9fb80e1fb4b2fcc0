-- A replay request taken, deleted after its outcome is written (a process stopped in between sends it once
-- more, under the same webhook-id).
DELETE FROM lifecycle_replays WHERE endpoint = {endpoint:String} AND seq = {seq:UInt64}
