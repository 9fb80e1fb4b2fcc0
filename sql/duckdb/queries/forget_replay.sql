DELETE FROM cart_replay WHERE cart_id IN (SELECT cart_id FROM forget_carts);
DELETE FROM cart_model WHERE cart_id IN (SELECT cart_id FROM forget_carts);
DELETE FROM line_model WHERE cart_id IN (SELECT cart_id FROM forget_carts);
