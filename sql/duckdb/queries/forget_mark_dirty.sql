-- Only carts that still hold other customers' (or anonymous) events are folded again.
INSERT INTO replay_dirty (cart_id, marked_at) SELECT DISTINCT cart_id, epoch_ms(current_timestamp) FROM events WHERE cart_id IN (SELECT cart_id FROM forget_carts);
