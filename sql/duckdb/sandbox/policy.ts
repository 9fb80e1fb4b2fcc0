/**
 * What the data team's SQL may reach on DuckDB. Allow-lists for everything that names data (tables,
 * table functions, table macros); a deny-list only among the engine's built-in scalar functions, which
 * compute on values they are given. A name that is not built in is refused too (check.ts), so a new
 * extension or a user-defined function never slips in unreviewed.
 *
 * To expose a new view or table macro to the data team, add its name here and document it in docs/sql.md:
 * the sandbox's catalogue (catalog.ts) then holds a view of it, or a copy of the macro from views/*.sql.
 */

/** Tables (and views) readable by name in FROM. */
export const EXPOSED_TABLES: ReadonlySet<string> = new Set(['events', 'rejected_events']);

/** Table functions and table macros callable in FROM. None of them reads a file, the network or a setting. */
export const EXPOSED_TABLE_FUNCTIONS: ReadonlySet<string> = new Set([
  // The cart model, sql/duckdb/views/010_cart_model.sql.
  'cart_replay_asof',
  'cart_lines_asof',
  'cart_state_asof',
  'audience_asof',
  'products_asof',
  // Generators and unnesting of values already in hand.
  'range',
  'generate_series',
  'unnest',
  'json_each',
  'json_tree',
]);

/** Built-in functions refused anyway, with the reason given to the client. */
export const DENIED_FUNCTIONS: ReadonlyMap<string, string> = new Map([
  ['current_setting', 'reads engine settings (file paths, limits)'],
  ['getenv', 'reads the process environment'],
  ['sleep_ms', 'holds a worker thread without doing work'],
  ['pg_sleep', 'holds a worker thread without doing work'],
  ['write_log', 'writes to the engine log'],
  ['nextval', 'advances a sequence, a write'],
  ['currval', 'reads sequence state, not data'],
  ['setseed', 'changes connection state'],
  ['json_serialize_plan', 'binds and plans SQL text of its own, out of reach of this check'],
  ['json_serialize_sql', 'handles SQL text of its own'],
  ['json_deserialize_sql', 'handles SQL text of its own'],
  ['json_execute_serialized_sql', 'runs SQL of its own'],
  ['combine', 'operates on raw aggregate states'],
  ['finalize', 'operates on raw aggregate states'],
  // Built-in macros whose bodies query the system catalogue (a test lists every such macro).
  ['pg_get_constraintdef', 'reads the system catalogue'],
  ['pg_get_viewdef', 'reads the system catalogue'],
  ['format_type', 'reads the system catalogue'],
  ['get_block_size', 'reads the system catalogue'],
]);

/** Prefixes refused whatever follows: engine internals, system catalogues, file readers. */
export const DENIED_PREFIXES: readonly string[] = ['__internal', 'duckdb_', 'pragma_', 'read_', 'parquet_', 'sniff_'];

/**
 * Names the parser produces that the function catalogue does not list (they are bound specially),
 * all harmless: UNNEST / UNLIST in a select list.
 */
export const PARSER_FUNCTIONS: ReadonlySet<string> = new Set(['unnest', 'unlist']);

/**
 * Most characters or list elements that one call of a value-building function (repeat, lpad, rpad,
 * list_resize, bitstring, bar, printf, format, scalar range and generate_series) may produce; see bounds.ts.
 * Fixed, not configured: it bounds one value, which the engine's limits cannot.
 */
export const MAX_BUILT_LENGTH = 10_000;
