-- The engine's built-in scalar, aggregate and window functions and macros: what a checked query may call
-- (minus sql/duckdb/sandbox/policy.ts's denials). User-defined functions are not internal, so not here.
SELECT DISTINCT lower(function_name) AS name
FROM duckdb_functions()
WHERE internal AND function_type IN ('scalar', 'aggregate', 'macro');
