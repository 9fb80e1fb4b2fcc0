-- Replay requests whose dead letter is gone (replayed meanwhile by an earlier request) go.
DELETE FROM lifecycle_replays WHERE endpoint = $endpoint AND seq NOT IN (SELECT seq FROM lifecycle_dead_letters WHERE endpoint = $endpoint);
