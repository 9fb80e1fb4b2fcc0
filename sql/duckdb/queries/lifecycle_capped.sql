-- Whether the endpoint already got an abandonment of this customer that happened less than $cap_ms before
-- this one (at $at_ms): the cap per customer. By the announcements' own times, so a replay caps alike.
SELECT count(*) > 0 AS capped
FROM lifecycle_sent
WHERE endpoint = $endpoint AND customer_id = $customer_id
  AND at_ms > CAST($at_ms AS BIGINT) - CAST($cap_ms AS BIGINT) AND at_ms <= CAST($at_ms AS BIGINT);
