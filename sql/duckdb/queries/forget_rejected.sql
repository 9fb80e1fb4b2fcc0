-- Refused messages whose bytes hold the customer's identifier as a JSON string: their payload is any bytes
-- (not always text), so the match is on its hex form, at a byte boundary ($needle_hex: hex of `"ID"`).
DELETE FROM rejected_events WHERE regexp_matches(hex(payload), '^(..)*?' || $needle_hex);
