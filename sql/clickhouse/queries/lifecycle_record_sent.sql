-- An abandonment the endpoint acknowledged, for the cap per customer.
INSERT INTO lifecycle_sent SELECT {endpoint:String}, {seq:UInt64}, {customer_id:String}, {at_ms:Int64}
