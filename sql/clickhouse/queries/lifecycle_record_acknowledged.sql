-- An announcement the endpoint acknowledged, any kind: what the recovery report counts as announced.
INSERT INTO lifecycle_acknowledged SELECT {endpoint:String}, {seq:UInt64}, toUUID({id:String}), {kind:String}, {acknowledged_at_ms:Int64}
