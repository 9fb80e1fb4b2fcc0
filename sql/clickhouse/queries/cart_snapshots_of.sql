-- One cart's snapshots, in derivation order (ingest/snapshots/derive.ts: occurred_at, then snapshot_id).
SELECT snapshot_id, snapshot
FROM cart_snapshots FINAL
WHERE cart_id = {cart_id:String}
ORDER BY occurred_at_ms, snapshot_id
