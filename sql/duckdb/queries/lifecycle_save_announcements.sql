-- Stores the announcements a detection found that are not stored yet (announce/log.ts), numbered after
-- the largest seq kept: by instant, then cart, episode and kind (rank), so that a cart's come in order.
--   $rows           JSON [{id, kind, cart_id, episode, at_ms, rank, customer_id, payload}]
--   $detected_at_ms when the detection ran
INSERT INTO lifecycle_announcements
SELECT
  (SELECT coalesce(max(seq), 0) FROM lifecycle_announcements) + row_number() OVER (ORDER BY a.at_ms, a.cart_id, a.episode, a.rank),
  CAST(a.id AS UUID), a.kind, a.cart_id, a.episode, a.at_ms, a.customer_id, a.payload, CAST($detected_at_ms AS BIGINT)
FROM (
  SELECT unnest(from_json($rows, '[{"id":"VARCHAR","kind":"VARCHAR","cart_id":"VARCHAR","episode":"INTEGER","at_ms":"BIGINT","rank":"INTEGER","customer_id":"VARCHAR","payload":"VARCHAR"}]'), recursive := true)
) a
WHERE CAST(a.id AS UUID) NOT IN (SELECT id FROM lifecycle_announcements);
