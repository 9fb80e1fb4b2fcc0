import { CarrelloError } from '../errors/carrelloError.ts';

/**
 * The warehouse refused to insert rows because of what they hold (a value its column cannot take), as
 * opposed to not being reachable or being overloaded: code `insert_refused`. Retrying the same rows fails
 * the same way, so the ingest pipeline isolates the rows at fault instead of retrying
 * (ingest/pipeline/isolate.ts). Adapters raise it only for their engine's data errors, recognised by the
 * engine's own error code; everything else (network, timeouts, too many parts, unknown) stays a plain
 * error and is retried.
 */
export type InsertRefused = CarrelloError<'insert_refused'>;

export function insertRefused(
  engine: 'clickhouse' | 'duckdb' | 'failpoint',
  /** The engine's code: ClickHouse's error name and number (`CANNOT_PARSE_DATETIME (41)`), DuckDB's exception type (`Conversion`). */
  engineCode: string,
  message: string,
  cause?: unknown,
): InsertRefused {
  return new CarrelloError('insert_refused', message, { engine, engine_code: engineCode }, { cause });
}
