-- The seq up to which an endpoint has every announcement acknowledged or dead-lettered (none: 0).
SELECT coalesce(max(delivered_seq), 0) AS delivered_seq FROM lifecycle_delivered WHERE endpoint = $endpoint;
