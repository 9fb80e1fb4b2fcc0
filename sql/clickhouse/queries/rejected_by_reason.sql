SELECT reason, count() AS n FROM rejected_events GROUP BY reason ORDER BY reason;
