-- Cart snapshots as received (ingest/snapshots/ingest.ts), a JSON array of rows in one statement; one
-- already stored under its id is left as it is: the first stored wins, as for events.
INSERT INTO cart_snapshots
SELECT r.cart_id, r.snapshot_id, r.occurred_at_ms, r.received_at_ms, r.source, r.customer_id, r.anonymous_id, CAST(r.snapshot AS JSON)
FROM (
  SELECT unnest(from_json($rows, '[{"cart_id":"VARCHAR","snapshot_id":"VARCHAR","occurred_at_ms":"BIGINT","received_at_ms":"BIGINT","source":"VARCHAR","customer_id":"VARCHAR","anonymous_id":"VARCHAR","snapshot":"VARCHAR"}]')) AS r
)
ON CONFLICT DO NOTHING;
