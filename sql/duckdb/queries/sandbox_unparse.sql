-- A SELECT's parsed tree (json_serialize_sql's JSON) written back as SQL text by DuckDB itself.
SELECT json_deserialize_sql(CAST($ast AS JSON)) AS sql;
