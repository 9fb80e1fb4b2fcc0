-- How many replays of $endpoint's dead letters wait to be taken.
SELECT count(*) AS requested FROM lifecycle_replays WHERE endpoint = $endpoint;
