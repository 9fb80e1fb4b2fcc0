-- Requests a replay of the dead letters lifecycle_replay_matching.sql counts (a request already waiting
-- collapses with this one).
INSERT INTO lifecycle_replays
SELECT DISTINCT endpoint, seq, {requested_at_ms:Int64}
FROM lifecycle_dead_letters
WHERE endpoint = {endpoint:String}
  AND ({all_seqs:Bool} OR seq IN (SELECT arrayJoin(JSONExtract({seqs:String}, 'Array(UInt64)'))))
  AND ({reason:String} = '' OR reason = {reason:String})
