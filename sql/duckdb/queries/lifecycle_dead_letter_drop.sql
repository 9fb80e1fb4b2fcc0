-- A replayed dead letter the endpoint acknowledged (or no longer to be sent) goes.
DELETE FROM lifecycle_dead_letters WHERE endpoint = $endpoint AND seq = CAST($seq AS BIGINT);
