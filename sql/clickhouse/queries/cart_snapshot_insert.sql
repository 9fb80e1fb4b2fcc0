-- A cart snapshot as received (ingest/snapshots/ingest.ts), inserted only when no snapshot of the cart is
-- stored under its id: the first stored wins, as on DuckDB (cart_snapshots is read with FINAL besides).
INSERT INTO cart_snapshots
SELECT {cart_id:String}, {snapshot_id:String}, {occurred_at_ms:Int64}, {received_at_ms:Int64}, {source:String},
  {customer_id:Nullable(String)}, {anonymous_id:Nullable(String)}, {snapshot:String}
WHERE (SELECT count() FROM cart_snapshots WHERE cart_id = {cart_id:String} AND snapshot_id = {snapshot_id:String}) = 0
