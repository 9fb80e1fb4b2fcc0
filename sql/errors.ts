import { CarrelloError } from '../errors/carrelloError.ts';

/**
 * Why a warehouse refused or stopped a client's query or export: codes of carrello's one error
 * (errors/codes.ts gives each its HTTP status); clients match on them.
 */
export type QueryErrorCode =
  /** The text holds no statement. */
  | 'sql_empty'
  /** More than one statement; the endpoint runs exactly one. */
  | 'sql_multiple_statements'
  /** The engine's parser refused the text. */
  | 'sql_syntax_error'
  /** A statement other than a query: INSERT, DROP, CREATE, COPY, ATTACH, INSTALL, LOAD, SET, PRAGMA, ... */
  | 'sql_not_read_only'
  /** A table, view or path that is not exposed to the data team. */
  | 'sql_forbidden_table'
  /** A function that is not exposed: table functions outside the allow-list, file/setting/side-effect functions. */
  | 'sql_forbidden_function'
  /** A construct the checker does not know, refused rather than guessed about. */
  | 'sql_unsupported'
  /** The engine refused an access the checker let through (defence in depth caught it). */
  | 'sql_forbidden_access'
  /** The statement is allowed but failed: unknown column, type mismatch, division by zero, ... */
  | 'sql_error'
  /** A value the answer cannot represent, e.g. a HUGEINT beyond 64 bits. */
  | 'sql_value_out_of_range'
  /** A function would build a value larger than the sandbox's bound, or of a size not known before it runs. */
  | 'sql_value_too_large'
  /** The time limit stopped the query. */
  | 'query_timeout'
  /** The engine ran out of memory for this query. */
  | 'query_out_of_memory'
  /** The result grew past the engine's result size wall before it could be cut off (ClickHouse). */
  | 'query_result_too_large'
  /** The export range holds more events than the export row limit. */
  | 'export_too_large'
  /** This store's engine does not offer the feature yet (see docs/clickhouse.md). */
  | 'not_supported_on_engine';

/** A refused or stopped query or export (the type argument holds QueryErrorCode within carrello's codes). */
export type QueryError = CarrelloError<QueryErrorCode>;

/** A sandbox query stopped at its time limit, on either engine: 400 naming the limit and its setting. */
export function queryTimeout(limits: { timeoutMs: number }): CarrelloError<'query_timeout'> {
  return new CarrelloError(
    'query_timeout',
    `the query ran past the time limit of ${limits.timeoutMs} ms and was stopped; narrow it, aggregate, or use the export`,
    {
      limit_ms: limits.timeoutMs,
      limit: limits.timeoutMs,
      limit_name: 'sql_timeout_ms',
    },
  );
}
