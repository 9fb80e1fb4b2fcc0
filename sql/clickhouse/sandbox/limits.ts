import type { ClickHouseSettings } from '@clickhouse/client';
import { queryTimeout } from '../../errors.ts';
import type { ReadOnlyLimits } from '../../warehouse.ts';
import { CarrelloError } from '../../../errors/carrelloError.ts';

/** Memory one data-team query may use inside ClickHouse when the caller sets no limit (1 GiB). */
export const DEFAULT_MAX_MEMORY_BYTES = 1024 ** 3;

/**
 * The engine stops a result whose in-memory size passes this many times sql_max_result_bytes (and at
 * least RESULT_WALL_MIN_BYTES). Below it, rows past sql_max_result_bytes (counted as docs/sql.md says,
 * which is not ClickHouse's count: a string's offsets, a UInt8's single byte) are cut off and the
 * answer says truncated, as on DuckDB; the wall keeps ClickHouse from building GBs first.
 */
export const RESULT_BYTES_HEADROOM = 4;
export const RESULT_WALL_MIN_BYTES = 64 * 1024 * 1024;

const memoryOf = (limits: ReadOnlyLimits) => limits.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES;
const resultBytesOf = (limits: ReadOnlyLimits) => Math.max(limits.maxBytes * RESULT_BYTES_HEADROOM, RESULT_WALL_MIN_BYTES);

/**
 * The engine's own limits on a data-team query, each raising an error that classify() names:
 * time (159), memory (241), and the size of the result (396). Scalar subqueries run while the query is
 * analysed, so EXPLAIN QUERY TREE gets these too.
 */
export function engineLimits(limits: ReadOnlyLimits, seconds: number): ClickHouseSettings {
  return {
    readonly: '2',
    max_execution_time: seconds as unknown as number,
    timeout_overflow_mode: 'throw',
    max_memory_usage: String(memoryOf(limits)),
    max_result_bytes: String(resultBytesOf(limits)),
    result_overflow_mode: 'throw',
  };
}

/**
 * The row limit, for the statement itself only: the `limit` setting caps the outermost result (never a
 * subquery's) at one row past max_rows, so that `truncated` can tell that a further row existed.
 * A result whose rows carry constants of `constantBytes` printed bytes (tree.ts) is capped at the rows
 * that hold sql_max_result_bytes twice over in print: as counted here (a string by its length, other
 * values by 8 bytes) a constant counts at least half its printed size (quotes, escapes), so those rows
 * pass sql_max_result_bytes and the answer is cut off at max_bytes exactly as without the cap.
 */
export function rowLimit(limits: ReadOnlyLimits, constantBytes: number): ClickHouseSettings {
  const rows =
    constantBytes < CONSTANT_CAP_FROM_BYTES ? limits.maxRows + 1 : Math.min(limits.maxRows + 1, Math.floor((2 * limits.maxBytes) / constantBytes) + 1);
  return { limit: String(rows) };
}

/** Constants smaller than this per row are left to the row limit alone. */
const CONSTANT_CAP_FROM_BYTES = 4096;

/** The engine's first line: the rest is its stack and hints, often naming what the sandbox hides. */
export const firstLine = (s: string) => s.split('\n')[0]!;

/** ClickHouse's error codes (numbers, stable across versions; never the message) decide ours. */
export function classify(err: unknown, limits: ReadOnlyLimits): unknown {
  const e = err as { code?: string; type?: string; message?: string };
  if (!e || typeof e.message !== 'string' || e.code === undefined || !/^\d+$/.test(e.code)) return err;
  switch (Number(e.code)) {
    case 159: // TIMEOUT_EXCEEDED
    case 394: // QUERY_WAS_CANCELLED
      return queryTimeout(limits);
    case 241: // MEMORY_LIMIT_EXCEEDED
      return new CarrelloError(
        'query_out_of_memory',
        `the query needed more than the memory limit of ${memoryOf(limits)} bytes and was stopped; aggregate, or read fewer or narrower rows`,
        { limit: memoryOf(limits), limit_name: 'sql_max_memory_bytes' },
      );
    case 396: // TOO_MANY_ROWS_OR_BYTES (max_result_bytes; rows are capped by `limit`, which never raises)
      return new CarrelloError(
        'query_result_too_large',
        `the result grew past ${resultBytesOf(limits)} bytes inside the engine (${RESULT_BYTES_HEADROOM} × sql_max_result_bytes, at least ${RESULT_WALL_MIN_BYTES}) and was stopped; aggregate, select fewer or narrower columns, or use the export`,
        { limit: resultBytesOf(limits), limit_name: 'sql_max_result_bytes' },
      );
    case 164: // READONLY
      return new CarrelloError('sql_not_read_only', firstLine(e.message));
    case 497: // ACCESS_DENIED: a server user's grants refused what the check let through
      return new CarrelloError('sql_forbidden_access', firstLine(e.message));
    case 62: // SYNTAX_ERROR
      return new CarrelloError('sql_syntax_error', firstLine(e.message));
    default:
      return new CarrelloError('sql_error', firstLine(e.message));
  }
}
