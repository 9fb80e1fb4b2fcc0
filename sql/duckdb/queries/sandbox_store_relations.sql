-- The store's own tables and views (the default database's, never the system catalogue's): the names a
-- macro body copied into the sandbox catalogue must read from the store, fully qualified; and its scalar
-- macros, which the copies call in the store. One row.
SELECT
  current_database() AS store,
  (SELECT coalesce(list(name), []) FROM (
    SELECT table_name AS name FROM duckdb_tables() WHERE database_name = current_database()
    UNION ALL
    SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND NOT internal
  )) AS names,
  (SELECT coalesce(list(function_name), []) FROM duckdb_functions()
   WHERE database_name = current_database() AND function_type = 'macro' AND NOT internal) AS scalar_macros;
