-- An announcement the endpoint did not take after every attempt, kept with the last reason.
INSERT INTO lifecycle_dead_letters SELECT {endpoint:String}, {seq:UInt64}, toUUID({id:String}), {attempts:UInt32}, {reason:String}, {at_ms:Int64}
