SELECT (SELECT count(*) FROM cart_model)::BIGINT AS carts, (SELECT count(*) FROM line_model)::BIGINT AS lines;
