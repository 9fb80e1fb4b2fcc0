-- Times as epoch milliseconds (NULL on an empty store), formatted by the adapter: the columns of ClickHouse's stats.sql.
SELECT
  (SELECT count(*) FROM events) AS events_stored,
  (SELECT count(*) FROM rejected_events) AS events_rejected,
  (SELECT count(DISTINCT cart_id) FROM events) AS carts,
  (SELECT epoch_ms(min(occurred_at)) FROM events) AS first_event_ms,
  (SELECT epoch_ms(max(occurred_at)) FROM events) AS last_event_ms,
  (SELECT epoch_ms(max(received_at)) FROM events) AS last_received_ms;
