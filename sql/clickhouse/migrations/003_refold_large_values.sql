-- Folds kept before the contract's money bounds may hold a wrapped Int64 value: the carts holding an event
-- past those bounds (an amount, or a line's quantity × unit price, above 10^15 minor units) are marked to
-- be folded again on the next read, with the exact, saturated value of views/010_cart_model.sql. A fold
-- over as many events replaces the old one (ReplacingMergeTree keeps the last insert of a version).
INSERT INTO cart_dirty (cart_id)
SELECT DISTINCT cart_id FROM events
WHERE unit_price_minor > 1000000000000000
   OR toInt128(ifNull(unit_price_minor, 0))
      * greatest(ifNull(quantity, 0), ifNull(from_quantity, 0), ifNull(to_quantity, 0)) > 1000000000000000;
