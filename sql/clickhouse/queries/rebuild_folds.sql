-- Every cart folded over all its events into an empty cart_folds (Warehouse.rebuildReadModels): no key
-- has moved, so no tombstone.
INSERT INTO cart_folds
SELECT *, toUInt8(0) AS is_deleted FROM cart_fold_asof(as_of_ms = 10000000000000)
