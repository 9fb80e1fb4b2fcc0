-- Counts after deduplication (FINAL); times as epoch milliseconds, formatted by the adapter.
SELECT
  (SELECT count() FROM events FINAL) AS events_stored,
  (SELECT count() FROM rejected_events) AS events_rejected,
  (SELECT uniqExact(cart_id) FROM events) AS carts,
  (SELECT if(count() = 0, NULL, toUnixTimestamp64Milli(min(occurred_at))) FROM events) AS first_event_ms,
  (SELECT if(count() = 0, NULL, toUnixTimestamp64Milli(max(occurred_at))) FROM events) AS last_event_ms,
  (SELECT if(count() = 0, NULL, toUnixTimestamp64Milli(max(received_at))) FROM events) AS last_received_ms;
