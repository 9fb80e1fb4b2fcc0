-- The newest occurred_at and received_at stored (announce/detect.ts: the stream's watermark, and where
-- the next detection's look for newly received events starts). NULL on an empty store.
SELECT epoch_ms(max(occurred_at)) AS latest_occurred_ms, epoch_ms(max(received_at)) AS latest_received_ms FROM events;
