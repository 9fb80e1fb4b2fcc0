-- Cart snapshots as received (ingest/snapshots/ingest.ts), a JSON array of rows in one insert (one part),
-- each only when no snapshot of its cart is stored under its id: the first stored wins, as on DuckDB
-- (cart_snapshots is read with FINAL besides).
INSERT INTO cart_snapshots
SELECT t.1, t.2, t.3, t.4, t.5, t.6, t.7, t.8
FROM (
  SELECT arrayJoin(JSONExtract({rows:String}, 'Array(Tuple(cart_id String, snapshot_id String, occurred_at_ms Int64, received_at_ms Int64, source String, customer_id Nullable(String), anonymous_id Nullable(String), snapshot String))')) AS t
)
WHERE (t.1, t.2) NOT IN (SELECT cart_id, snapshot_id FROM cart_snapshots WHERE cart_id IN (SELECT arrayJoin(JSONExtract({rows:String}, 'Array(Tuple(cart_id String))')).1))
