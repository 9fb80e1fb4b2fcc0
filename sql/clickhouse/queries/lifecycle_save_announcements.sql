-- Stores the announcements a detection found that are not stored yet, numbered after the largest seq
-- kept: sql/duckdb/queries/lifecycle_save_announcements.sql, which says how.
INSERT INTO lifecycle_announcements
SELECT
  (SELECT max(seq) FROM lifecycle_announcements) + row_number() OVER (ORDER BY a.at_ms, a.cart_id, a.episode, a.rank) AS seq,
  toUUID(a.id) AS id, a.kind AS kind, a.cart_id AS cart_id, a.episode AS episode, a.at_ms AS at_ms,
  a.customer_id AS customer_id, a.payload AS payload, {detected_at_ms:Int64} AS detected_at_ms
FROM (
  SELECT arrayJoin(JSONExtract({rows:String},
    'Array(Tuple(id String, kind String, cart_id String, episode UInt32, at_ms Int64, rank UInt8, customer_id Nullable(String), payload String))')) AS a
)
WHERE toUUID(a.id) NOT IN (SELECT id FROM lifecycle_announcements)
