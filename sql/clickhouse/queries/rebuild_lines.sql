-- Every cart's lines, from its kept fold, into an empty cart_line_folds (after rebuild_folds): no key has
-- moved, so no tombstone.
INSERT INTO cart_line_folds
SELECT *, toUInt8(0) AS is_deleted FROM cart_lines_asof(as_of_ms = 10000000000000)
