DELETE FROM events WHERE customer_id = $customer_id;
