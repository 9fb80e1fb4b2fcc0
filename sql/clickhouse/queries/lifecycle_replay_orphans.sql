-- Replay requests whose dead letter is gone (replayed meanwhile, or a process stopped between the two
-- deletes) go.
DELETE FROM lifecycle_replays WHERE endpoint = {endpoint:String} AND seq NOT IN (SELECT seq FROM lifecycle_dead_letters WHERE endpoint = {endpoint:String})
