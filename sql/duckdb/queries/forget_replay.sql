DELETE FROM cart_replay WHERE cart_id IN (SELECT cart_id FROM forget_carts);
