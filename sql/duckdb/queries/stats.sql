SELECT
  (SELECT count(*) FROM events) AS events_stored,
  (SELECT count(*) FROM rejected_events) AS events_rejected,
  (SELECT count(DISTINCT cart_id) FROM events) AS carts,
  (SELECT strftime(min(occurred_at), '%Y-%m-%dT%H:%M:%S.%gZ') FROM events) AS first_event_at,
  (SELECT strftime(max(occurred_at), '%Y-%m-%dT%H:%M:%S.%gZ') FROM events) AS last_event_at,
  (SELECT strftime(max(received_at), '%Y-%m-%dT%H:%M:%S.%gZ') FROM events) AS last_received_at;
