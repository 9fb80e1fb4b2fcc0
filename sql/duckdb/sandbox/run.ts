import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { queryTimeout, type QueryError } from '../../errors.ts';
import { query } from '../../loader.ts';
import type { ReadOnlyLimits, ReadOnlyResult } from '../../warehouse.ts';
import { approxBytes, columnReader } from '../values.ts';
import { buildSandboxCatalog, SANDBOX_CATALOG } from './catalog.ts';
import { checkSelect } from './check.ts';
import { Slots } from './slots.ts';
import { CarrelloError, isCarrelloError } from '../../../errors/carrelloError.ts';

/**
 * Sandbox queries running at once (more wait their turn, first come first served, within their time
 * limit). Node runs every DuckDB call of the process on libuv's thread pool (4 threads unless
 * UV_THREADPOOL_SIZE says otherwise), and a running query holds its thread until it ends: four slow
 * queries held all four, and the store's own reads and writes waited for them (9 s for a SELECT 1).
 * Two slots leave the others to ingest, the API's reads and file work.
 */
export const SANDBOX_RUNNING = 2;

/**
 * Runs the data team's SQL on DuckDB. Layers, each enough on its own for some attacks, together for all:
 * 1. DuckDB's parser (json_serialize_sql) must see exactly one SELECT; check.ts walks its AST against
 *    the allow-lists of policy.ts.
 * 2. The statement runs on a connection of its own, inside a READ ONLY transaction: the engine refuses
 *    any write that got past the check. The connection `USE`s the sandbox catalogue (catalog.ts), which
 *    holds only the exposed views and macros: the store's internal tables do not resolve by bare name.
 * 3. The instance was opened with external access off (adapter.ts): no file outside the export folder,
 *    no network, no extension loading, configuration locked.
 * 4. A timer interrupts the connection at the time limit; rows are read chunk by chunk and reading
 *    stops one row past the row limit or at the size limit. At most SANDBOX_RUNNING queries run at once.
 */
export class DuckDbSandbox {
  private builtins?: Promise<ReadonlySet<string>>;
  private readonly slots = new Slots(SANDBOX_RUNNING);
  private prepared = false;

  constructor(private readonly instance: DuckDBInstance) {}

  /** (Re)builds the sandbox catalogue from the store's migrated schema; the store's migrate() calls it. */
  async prepare(conn: DuckDBConnection): Promise<void> {
    await buildSandboxCatalog(conn);
    this.prepared = true;
  }

  /**
   * A connection as the data team's SQL gets it, before any check: in the sandbox catalogue. Tests use it
   * to show what the engine alone refuses.
   */
  async connect(): Promise<DuckDBConnection> {
    if (!this.prepared) throw new Error('the DuckDB sandbox catalogue is built by migrate(): migrate the store first');
    const conn = await this.instance.connect();
    try {
      await conn.run(`USE ${SANDBOX_CATALOG}`);
      return conn;
    } catch (err) {
      conn.closeSync();
      throw err;
    }
  }

  async run(sql: string, limits: ReadOnlyLimits): Promise<ReadOnlyResult> {
    const started = Date.now();
    const ran = await this.slots.run(started + limits.timeoutMs, (remainingMs) => this.runInSlot(sql, limits, started, remainingMs));
    if (!ran) throw queryTimeout(limits);
    return ran.value;
  }

  private async runInSlot(sql: string, limits: ReadOnlyLimits, started: number, remainingMs: number): Promise<ReadOnlyResult> {
    const conn = await this.connect();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      conn.interrupt();
    }, remainingMs);
    try {
      await this.check(conn, sql);
      await conn.run('BEGIN TRANSACTION READ ONLY');
      const result = await conn.stream(sql);
      const names = result.deduplicatedColumnNames();
      const readers = result.columnTypes().map((t, i) => columnReader(t, names[i]!));
      const values: unknown[][] = readers.map(() => []);
      let rowCount = 0;
      let bytes = 0;
      let truncated: ReadOnlyResult['truncated'] = false;
      reading: for (;;) {
        const chunk = await result.fetchChunk();
        if (timedOut) throw queryTimeout(limits);
        if (!chunk || chunk.rowCount === 0) break;
        const columns = readers.map((_, c) => chunk.getColumnValues(c));
        for (let r = 0; r < chunk.rowCount; r++) {
          // INVARIANT: truncated is set only when a row beyond the limit exists, so a result of exactly
          // max_rows rows is complete.
          if (rowCount === limits.maxRows) {
            truncated = 'max_rows';
            break reading;
          }
          const row = readers.map((reader, c) => reader.read(columns[c]![r]!));
          const size = row.reduce((n: number, v) => n + approxBytes(v), 0);
          if (bytes + size > limits.maxBytes) {
            truncated = 'max_bytes';
            break reading;
          }
          bytes += size;
          row.forEach((v, c) => {
            values[c]!.push(v);
          });
          rowCount++;
        }
      }
      return {
        columns: readers.map((reader, i) => ({ name: names[i]!, type: reader.type, engine_type: result.columnType(i).toString() })),
        values,
        rowCount,
        truncated,
        elapsedMs: Date.now() - started,
      };
    } catch (err) {
      throw isCarrelloError(err) ? err : classify(err, timedOut, limits);
    } finally {
      clearTimeout(timer);
      // Stops a query whose rows were cut off; the open READ ONLY transaction dies with the connection.
      conn.interrupt();
      conn.closeSync();
    }
  }

  /** Throws QueryError unless the text is one SELECT that check.ts accepts. Parses only. */
  async check(conn: DuckDBConnection, sql: string): Promise<void> {
    const reader = await conn.runAndReadAll(query('duckdb', 'sandbox_parse'), { sql });
    const parsed = JSON.parse(String(reader.getRows()[0]![0])) as {
      error: boolean;
      error_type?: string;
      error_message?: string;
      position?: string;
      statements?: unknown[];
    };
    if (parsed.error) {
      if (parsed.error_type !== 'not implemented') {
        throw new CarrelloError(
          'sql_syntax_error',
          parsed.error_message ?? 'the query does not parse',
          parsed.position ? { position: Number(parsed.position) } : {},
        );
      }
      // INVARIANT: nothing but the parser sees text that is not a SELECT. (DuckDB's statement extraction
      // is not a parser only: it expands pragmas, and IMPORT DATABASE reads files while being extracted.)
      // So a text holding a write and a query (`SELECT 1; DROP TABLE events`) is refused as not read-only.
      throw new CarrelloError(
        'sql_not_read_only',
        'only read-only queries are accepted (SELECT, FROM, WITH, VALUES, DESCRIBE, SUMMARIZE); the text holds another statement: INSERT, UPDATE, DELETE, CREATE, DROP, COPY, ATTACH, INSTALL, LOAD, SET, PRAGMA, CALL, EXPLAIN, ... are refused',
      );
    }
    const statements = parsed.statements ?? [];
    if (statements.length === 0) throw new CarrelloError('sql_empty', 'the query holds no statement');
    if (statements.length > 1) throw multiple();
    checkSelect(statements[0], await this.builtinFunctions(conn));
  }

  private builtinFunctions(conn: DuckDBConnection): Promise<ReadonlySet<string>> {
    this.builtins ??= conn
      .runAndReadAll(query('duckdb', 'sandbox_builtins'))
      .then((r) => new Set(r.getRows().map((row) => String(row[0]))))
      .catch((err: unknown) => {
        this.builtins = undefined;
        throw err;
      });
    return this.builtins;
  }
}

function multiple(): QueryError {
  return new CarrelloError('sql_multiple_statements', 'the query holds more than one statement; send exactly one');
}

/** DuckDB's errors read `<Type> Error: <message>`; the type decides the code. Anything else is ours: rethrown. */
function classify(err: unknown, timedOut: boolean, limits: ReadOnlyLimits): unknown {
  const message = err instanceof Error ? err.message : String(err);
  if (timedOut) return queryTimeout(limits);
  const m = /^([A-Za-z ]+) Error: /.exec(message);
  if (!m) return err;
  switch (m[1]) {
    case 'INTERRUPT':
      return queryTimeout(limits);
    case 'Permission':
      return new CarrelloError('sql_forbidden_access', message);
    case 'Out of Memory':
      return new CarrelloError('query_out_of_memory', message);
    case 'Parser':
      return new CarrelloError('sql_syntax_error', message);
    case 'TransactionContext':
      // The READ ONLY transaction refused a write the check let through.
      return /read-only/.test(message) ? new CarrelloError('sql_not_read_only', message) : new CarrelloError('sql_error', message);
    default:
      return new CarrelloError('sql_error', message);
  }
}
