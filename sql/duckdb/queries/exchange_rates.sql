-- The rates into or out of one currency on the days [$from_day, $to_day] (ISO dates), as decimal text: what
-- an answer asked in that reporting currency converts with (projections/conversion.ts).
SELECT strftime(day, '%Y-%m-%d') AS day, base, quote, CAST(rate AS VARCHAR) AS rate
FROM exchange_rates
WHERE (base = $currency OR quote = $currency)
  AND day BETWEEN CAST($from_day AS DATE) AND CAST($to_day AS DATE)
ORDER BY base, quote, day;
