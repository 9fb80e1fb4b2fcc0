-- Drops every derived row and marks every cart to be folded from its events; refresh_replay, in the same
-- transaction, then rebuilds cart_replay and the read models in their layout order from nothing.
DELETE FROM cart_replay;
DELETE FROM cart_model;
DELETE FROM line_model;
DELETE FROM customer_orders;
DELETE FROM product_model;
DELETE FROM product_namings;
DELETE FROM replay_refolded;
DELETE FROM replay_dirty;
INSERT INTO replay_dirty (cart_id, marked_at) SELECT DISTINCT cart_id, epoch_ms(current_timestamp) FROM events;
