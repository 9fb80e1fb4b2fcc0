import { insertRefused } from '../insertRefused.ts';

/**
 * ClickHouse errors that an insert gets because of the rows it carries: parsing a value into its column
 * type failed. Matched on the error's name (its `type`, e.g. CANNOT_PARSE_DATETIME, code 41), never on
 * the message. TOO_MANY_PARTS, MEMORY_LIMIT_EXCEEDED, TIMEOUT_EXCEEDED, network errors and anything not
 * listed are not refusals: the batch is retried after a backoff.
 */
const DATA_ERRORS: ReadonlyMap<string, number> = new Map([
  ['CANNOT_PARSE_TEXT', 6],
  ['CANNOT_PARSE_ESCAPE_SEQUENCE', 25],
  ['CANNOT_PARSE_QUOTED_STRING', 26],
  ['CANNOT_PARSE_INPUT_ASSERTION_FAILED', 27],
  ['CANNOT_PARSE_DATE', 38],
  ['CANNOT_PARSE_DATETIME', 41],
  ['CANNOT_PARSE_NUMBER', 72],
  ['CANNOT_PARSE_UUID', 376],
  ['CANNOT_PARSE_BOOL', 467],
  ['CANNOT_CONVERT_TYPE', 70],
  ['TYPE_MISMATCH', 53],
  ['INCORRECT_DATA', 117],
  ['VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE', 321],
  ['DECIMAL_OVERFLOW', 407],
  ['TOO_LARGE_STRING_SIZE', 131],
]);
const NAME_OF_CODE: ReadonlyMap<number, string> = new Map([...DATA_ERRORS].map(([name, code]) => [code, name]));

/**
 * The error's ClickHouse name when it is a data error: the HTTP client's errors carry the name (`type`),
 * chdb's in-process insert carries only the numeric code (`clickhouseCode`).
 */
function dataErrorName(err: unknown): string | null {
  const e = err as { type?: unknown; clickhouseCode?: unknown } | null;
  if (typeof e?.type === 'string') return DATA_ERRORS.has(e.type) ? e.type : null;
  if (typeof e?.clickhouseCode === 'number') return NAME_OF_CODE.get(e.clickhouseCode) ?? null;
  return null;
}

/** The error as an insert_refused error when ClickHouse refused the rows, otherwise the error unchanged. */
export function asInsertRefusal(err: unknown): unknown {
  const name = dataErrorName(err);
  if (name === null) return err;
  const code = ` (${DATA_ERRORS.get(name)})`;
  return insertRefused('clickhouse', `${name}${code}`, `ClickHouse refused the insert: ${name}${code}`, err);
}
