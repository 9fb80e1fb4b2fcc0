-- Every cart folded over all its events into an empty cart_folds (Warehouse.rebuildReadModels).
INSERT INTO cart_folds
SELECT * FROM cart_fold_asof(as_of_ms = 10000000000000)
