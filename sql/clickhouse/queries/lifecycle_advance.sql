-- An endpoint's delivery moves past {seq}, written after the receiver's acknowledgement.
INSERT INTO lifecycle_delivered SELECT {endpoint:String}, {seq:UInt64}, {updated_at_ms:Int64}
