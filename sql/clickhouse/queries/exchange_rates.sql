-- The rates into or out of one currency on the days [from_day, to_day]: sql/duckdb/queries/exchange_rates.sql.
-- Filtered under other names: an alias named as a column would stand for it in WHERE.
SELECT toString(d) AS day, toString(b) AS base, toString(q) AS quote, toString(r) AS rate
FROM (
  SELECT day AS d, base AS b, quote AS q, rate AS r
  FROM exchange_rates FINAL
  WHERE (base = {currency:String} OR quote = {currency:String})
    AND day BETWEEN toDate32({from_day:String}) AND toDate32({to_day:String})
)
ORDER BY base, quote, day;
