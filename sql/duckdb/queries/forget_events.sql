-- By customer_id or by anonymous_id (the other parameter is NULL and matches nothing).
DELETE FROM events WHERE customer_id = $customer_id OR anonymous_id = $anonymous_id;
