-- A cart snapshot as received (ingest/snapshots/ingest.ts); one already stored under its id is left as it
-- is: the first stored wins, as for events.
INSERT INTO cart_snapshots VALUES (
  $cart_id, $snapshot_id, CAST($occurred_at_ms AS BIGINT), CAST($received_at_ms AS BIGINT), $source,
  CAST($customer_id AS VARCHAR), CAST($anonymous_id AS VARCHAR), CAST($snapshot AS JSON)
) ON CONFLICT DO NOTHING;
