-- The store's own tables and views (the default database's, never the system catalogue's): the names a
-- macro body copied into the sandbox catalogue must read from the store, fully qualified. One row.
SELECT current_database() AS store, coalesce(list(name), []) AS names
FROM (
  SELECT table_name AS name FROM duckdb_tables() WHERE database_name = current_database()
  UNION ALL
  SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND NOT internal
);
