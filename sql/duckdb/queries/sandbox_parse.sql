-- The client's SQL as DuckDB's own parser sees it: JSON for SELECT statements, an error object for
-- anything else. Parses only; nothing is bound or run. The text is a bound parameter, never spliced.
SELECT json_serialize_sql(CAST($sql AS VARCHAR)) AS ast;
