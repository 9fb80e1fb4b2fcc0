-- How many replays of {endpoint}'s dead letters wait to be taken. FINAL: one row per seq.
SELECT count() AS requested FROM lifecycle_replays FINAL WHERE endpoint = {endpoint:String}
