-- A replay request taken, before its dead letter is sent (announce/replay.ts says why). A lightweight DELETE:
-- a cluster's Distributed table refuses it, and then nothing is sent.
DELETE FROM lifecycle_replays WHERE endpoint = {endpoint:String} AND seq = {seq:UInt64}
