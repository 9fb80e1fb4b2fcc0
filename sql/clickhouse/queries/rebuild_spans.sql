-- Each cart's first event, from every stored event, into an empty cart_spans (Warehouse.rebuildReadModels;
-- migrations/008_cart_spans.sql fills it the same way). A funnel meanwhile finds no span and reads every month.
INSERT INTO cart_spans SELECT cart_id, min(occurred_at) AS first_at FROM events GROUP BY cart_id
