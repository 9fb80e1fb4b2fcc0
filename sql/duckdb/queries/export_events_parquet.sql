-- The export as a Parquet file written by DuckDB; $path is a file the server names inside its export
-- folder (the only folder the instance may write to), streamed to the client and then deleted.
COPY (
  SELECT * FROM events_export(CAST($from_ms AS BIGINT), CAST($to_ms AS BIGINT))
  ORDER BY occurred_at, event_id
) TO $path (FORMAT parquet);
