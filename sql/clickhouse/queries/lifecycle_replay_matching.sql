-- How many of {endpoint}'s dead letters a replay request names: sql/duckdb/queries/lifecycle_replay_matching.sql.
SELECT uniqExact(seq) AS matched
FROM lifecycle_dead_letters
WHERE endpoint = {endpoint:String}
  AND ({all_seqs:Bool} OR seq IN (SELECT arrayJoin(JSONExtract({seqs:String}, 'Array(UInt64)'))))
  AND ({reason:String} = '' OR reason = {reason:String})
