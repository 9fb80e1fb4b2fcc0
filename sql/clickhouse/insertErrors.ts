import { InsertRefusedError } from '../insertRefused.ts';

/**
 * ClickHouse errors that an insert gets because of the rows it carries: parsing a value into its column
 * type failed. Matched on the error's name (its `type`, e.g. CANNOT_PARSE_DATETIME, code 41), never on
 * the message. TOO_MANY_PARTS, MEMORY_LIMIT_EXCEEDED, TIMEOUT_EXCEEDED, network errors and anything not
 * listed are not refusals: the batch is retried after a backoff.
 */
const DATA_ERRORS: ReadonlySet<string> = new Set([
  'CANNOT_PARSE_TEXT',
  'CANNOT_PARSE_ESCAPE_SEQUENCE',
  'CANNOT_PARSE_QUOTED_STRING',
  'CANNOT_PARSE_INPUT_ASSERTION_FAILED',
  'CANNOT_PARSE_DATE',
  'CANNOT_PARSE_DATETIME',
  'CANNOT_PARSE_NUMBER',
  'CANNOT_PARSE_UUID',
  'CANNOT_PARSE_BOOL',
  'CANNOT_CONVERT_TYPE',
  'TYPE_MISMATCH',
  'INCORRECT_DATA',
  'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE',
  'DECIMAL_OVERFLOW',
  'TOO_LARGE_STRING_SIZE',
]);

/** The error as an InsertRefusedError when ClickHouse refused the rows, otherwise the error unchanged. */
export function asInsertRefusal(err: unknown): unknown {
  const e = err as { code?: unknown; type?: unknown } | null;
  if (typeof e?.type !== 'string' || !DATA_ERRORS.has(e.type)) return err;
  const code = typeof e.code === 'string' ? ` (${e.code})` : '';
  return new InsertRefusedError('clickhouse', `${e.type}${code}`, `ClickHouse refused the insert: ${e.type}${code}`, { cause: err });
}
