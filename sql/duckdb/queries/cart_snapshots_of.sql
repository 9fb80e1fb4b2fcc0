-- One cart's snapshots, in derivation order (ingest/snapshots/derive.ts: occurred_at, then snapshot_id).
SELECT snapshot_id, snapshot::VARCHAR AS snapshot
FROM cart_snapshots
WHERE cart_id = $cart_id
ORDER BY occurred_at_ms, snapshot_id
