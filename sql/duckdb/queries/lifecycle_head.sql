-- The last seq of the announcement log (0 when empty): how far an endpoint's delivery is behind.
SELECT coalesce(max(seq), 0) AS seq FROM lifecycle_announcements;
