-- The last seq of the announcement log (0 when empty): how far an endpoint's delivery is behind.
SELECT max(seq) AS seq FROM lifecycle_announcements
