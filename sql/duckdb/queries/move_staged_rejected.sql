INSERT INTO rejected_events
SELECT make_timestamp(received_at_ms * 1000), source, source_ref, reason, field, detail, payload
FROM stage_rejected;
