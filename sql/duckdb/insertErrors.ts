import { insertRefused } from '../insertRefused.ts';

/**
 * DuckDB errors that a write gets because of the rows it carries. DuckDB's Node API gives no numeric
 * code: its exception type, the `<Type> Error:` that starts every engine message, is the code (as in
 * sandbox/run.ts). Conversion (a value that does not cast, e.g. a payload that is not JSON DuckDB
 * accepts), Invalid Input and Out of Range are the rows' fault; IO, Out of Memory, TransactionContext,
 * Interrupt and anything else are retried.
 */
const DATA_ERRORS: ReadonlySet<string> = new Set(['Conversion', 'Invalid Input', 'Out of Range']);

/** The error as an insert_refused error when DuckDB refused the rows, otherwise the error unchanged. */
export function asInsertRefusal(err: unknown): unknown {
  const message = err instanceof Error ? err.message : '';
  const type = /^([A-Za-z ]+) Error: /.exec(message)?.[1];
  if (type === undefined || !DATA_ERRORS.has(type)) return err;
  return insertRefused('duckdb', type, `DuckDB refused the insert: ${type} Error`, err);
}
