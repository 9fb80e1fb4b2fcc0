-- The carts that may have something new to announce (announce/detect.ts), in cart_id order: a cart with an
-- event that occurred after $since_ms (its abandonment instant, or that of a gap between its events, may
-- have crossed the watermark since the last detection: $since_ms is that detection's watermark less
-- abandon_after) or received after $received_after_ms (a return, an order, or a late event that reshapes
-- its gaps). lifecycle_events.sql then reads their events a page of carts at a time.
-- Two reads, not one with OR: each bound alone lets the zone maps skip the row groups before it (events
-- are appended as they arrive, so by received_at too); an OR of the two is pruned by neither.
SELECT cart_id FROM events WHERE occurred_at > epoch_ms(CAST($since_ms AS BIGINT))
UNION
SELECT cart_id FROM events WHERE received_at > epoch_ms(CAST($received_after_ms AS BIGINT))
ORDER BY cart_id;
