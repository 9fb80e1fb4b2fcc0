-- Refused messages whose bytes hold the identifier as a JSON string ({needle} = `"ID"`); payload is any bytes.
ALTER TABLE rejected_events DELETE WHERE position(payload, {needle:String}) > 0
