import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import {
  catalogue,
  ownParamsOf,
  paramsOf,
  readsAny,
  rowsOf,
  type ColumnsName,
  type Model,
  type BareReadName,
  type ParamsOf,
  type ReadName,
  type RowOf,
  type WriteName,
} from '../catalogue/index.ts';
import { migrations, query, views } from '../loader.ts';
import {
  readModelLag,
  warehouseStats,
  type EventRow,
  type ForgetResult,
  type ReadModelLag,
  type RejectedRow,
  type WarehouseStats,
  type WriteResult,
} from '../rows.ts';
import type {
  Columns,
  EventExport,
  ExportFormat,
  ExportOptions,
  NamedWriter,
  DerivedRetractor,
  QueryParams,
  ReadOnlyLimits,
  ReadOnlyResult,
  TimeRange,
  Warehouse,
} from '../warehouse.ts';
import { forgetParams, type ForgetOptions } from '../warehouse.ts';
import { DuckDbExporter } from './export.ts';
import { asInsertRefusal } from './insertErrors.ts';
import { DuckDbSandbox } from './sandbox/run.ts';
import { readColumns } from './columns.ts';
import { Mutex } from '../mutex.ts';
import { CarrelloError } from '../../errors/carrelloError.ts';

/** What refreshReplay keeps up to date, in one transaction: a query reading any of them refreshes first. */
export const REFRESHED_MODELS: ReadonlySet<Model> = new Set(['replay', 'carts', 'lines', 'products']);

export interface DuckDbOptions {
  /** Parse every answer's rows against the catalogue, however large (tests); otherwise only small ones (sql/catalogue/define.ts). */
  checkRows?: boolean;
}

export class DuckDbWarehouse implements Warehouse, NamedWriter, DerivedRetractor {
  readonly engine = 'duckdb' as const;
  private readonly writeLock = new Mutex();
  /** New events not yet folded into cart_replay; the next read query refreshes it first. */
  private replayDirty = true;
  /** Runs the data team's SQL; public so that tests can reach its raw connections, around the check. */
  readonly sandbox: DuckDbSandbox;
  private readonly exporter: DuckDbExporter;

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly reader: DuckDBConnection,
    /** The one folder the instance may write files to: Parquet exports on their way out. */
    readonly exportDir: string,
    private readonly checkRows: boolean,
  ) {
    this.sandbox = new DuckDbSandbox(instance);
    this.exporter = new DuckDbExporter(instance, exportDir);
  }

  /** Opens (creating if needed) the DuckDB file; fails fast when another process holds it. */
  static async open(path: string, opts: DuckDbOptions = {}): Promise<DuckDbWarehouse> {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    let instance: DuckDBInstance;
    try {
      // Extensions are statically linked (json, parquet, icu); nothing is fetched or loaded at run time.
      instance = await DuckDBInstance.create(path, { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    } catch (err) {
      const message = (err as Error).message;
      if (/lock/i.test(message)) {
        throw new CarrelloError(
          'store_locked',
          `the DuckDB file ${path} is in use by another process (DuckDB allows one writer per file); ` +
            `stop that process or choose another file with --store duckdb:PATH. DuckDB said: ${message}`,
        );
      }
      throw err;
    }
    const writer = await instance.connect();
    const exportDir = path === ':memory:' ? mkdtempSync(join(tmpdir(), 'carrello-export-')) : `${path}.exports`;
    mkdirSync(exportDir, { recursive: true });
    // Files of exports cut short by a crash.
    for (const f of readdirSync(exportDir)) if (/^export-[\w-]+\.parquet$/.test(f)) rmSync(join(exportDir, f), { force: true });
    await harden(writer, exportDir);
    const reader = await instance.connect();
    return new DuckDbWarehouse(path, instance, writer, reader, exportDir, opts.checkRows ?? false);
  }

  async migrate(): Promise<string[]> {
    return this.writeLock.run(async () => {
      await this.writer.run(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)',
      );
      const done = new Set((await (await this.writer.runAndReadAll('SELECT version FROM schema_migrations')).getRowObjectsJS()).map((r) => Number(r.version)));
      const applied: string[] = [];
      for (const m of migrations('duckdb')) {
        if (done.has(m.version)) continue;
        await this.writer.run('BEGIN TRANSACTION');
        try {
          await this.writer.run(m.sql);
          await this.writer.run('INSERT INTO schema_migrations (version, name) VALUES ($v, $n)', { v: m.version, n: m.name });
          await this.writer.run('COMMIT');
        } catch (err) {
          await this.writer.run('ROLLBACK');
          throw new Error(`migration ${m.version}_${m.name} failed: ${(err as Error).message}`);
        }
        applied.push(`${m.version}_${m.name}`);
      }
      for (const v of views('duckdb')) {
        try {
          await this.writer.run(v.sql);
        } catch (err) {
          throw new Error(`view ${v.name} failed: ${(err as Error).message}`);
        }
      }
      await this.writer.run(query('duckdb', 'stage_tables'));
      // After the views: the sandbox's catalogue copies the macros they define.
      await this.sandbox.prepare(this.writer);
      return applied;
    });
  }

  writeBatch(events: readonly EventRow[], rejected: readonly RejectedRow[]): Promise<WriteResult> {
    return this.writeLock.run(async () => {
      const unique = new Map<string, EventRow>();
      for (const e of events) if (!unique.has(e.event_id)) unique.set(e.event_id, e);
      await this.writer.run('DELETE FROM stage_events; DELETE FROM stage_rejected;');
      await this.append('stage_events', unique.values(), appendEvent).catch((err: unknown) => {
        throw asInsertRefusal(err);
      });
      await this.append('stage_rejected', rejected, appendRejected);
      await this.writer.run('BEGIN TRANSACTION');
      try {
        const moved = await this.writer.run(query('duckdb', 'move_staged_events'));
        if (moved.rowsChanged > 0) {
          await this.writer.run(query('duckdb', 'mark_dirty'));
          this.replayDirty = true;
        }
        if (rejected.length > 0) await this.writer.run(query('duckdb', 'move_staged_rejected'));
        // INVARIANT: COMMIT returns after the WAL is synced, so the caller may acknowledge.
        await this.writer.run('COMMIT');
        const inserted = moved.rowsChanged;
        return { inserted, duplicates: events.length - inserted, rejected: rejected.length };
      } catch (err) {
        await this.writer.run('ROLLBACK').catch(() => undefined);
        throw asInsertRefusal(err);
      }
    });
  }

  async stats(): Promise<WarehouseStats> {
    const [[row], byReason] = await Promise.all([this.query('stats'), this.query('rejected_by_reason')]);
    return warehouseStats(row!, byReason);
  }

  async readModelLag(): Promise<ReadModelLag> {
    // Read as it stands: the lag must not fold (a read of the models would fold first).
    return readModelLag((await this.query('read_model_lag'))[0]);
  }

  query<N extends BareReadName>(name: N): Promise<RowOf<N>[]>;
  query<N extends ReadName>(name: N, params: ParamsOf<N>): Promise<RowOf<N>[]>;
  async query<N extends ReadName>(name: N, params?: ParamsOf<N>): Promise<RowOf<N>[]> {
    const bound = bindable(paramsOf(name, params));
    // Only reads of the derived models need them up to date: a timeline reads events and pays no fold.
    if (readsAny(name, REFRESHED_MODELS)) await this.refreshReplay();
    return rowsOf(name, catalogue[name], await this.all(query('duckdb', name), bound), this.checkRows) as RowOf<N>[];
  }

  /**
   * Deletes every event of a customer (right to erasure), their refused messages and the cart_replay rows
   * of their carts, in one transaction; carts that keep other events are marked to be folded again from
   * what remains. A checkpoint follows, so that the deletion reaches the database file, not only the WAL.
   */
  async forgetCustomer(customerId: string, opts: ForgetOptions = {}): Promise<ForgetResult> {
    return this.writeLock.run(async () => {
      const p = forgetParams(customerId, opts);
      await this.writer.run('BEGIN TRANSACTION');
      try {
        await this.writer.run(query('duckdb', 'forget_carts'), p);
        const carts = await this.writer.runAndReadAll('SELECT count(*)::INT AS n FROM forget_carts');
        const deleted = await this.writer.run(query('duckdb', 'forget_events'), p);
        const rejected = await this.writer.run(query('duckdb', 'forget_rejected'), { needle_hex: jsonStringHex(customerId) });
        await this.writer.run(query('duckdb', 'forget_snapshots'), p);
        await this.writer.run(query('duckdb', 'forget_replay'));
        // What webhook delivery keeps of the carts' announcements goes first: it is found through them.
        await this.writer.run(query('duckdb', 'forget_lifecycle'));
        await this.writer.run(query('duckdb', 'product_model_apply'));
        const marked = await this.writer.run(query('duckdb', 'forget_mark_dirty'));
        await this.writer.run('DROP TABLE forget_carts');
        // A dry run does all of it and rolls it back: the counts are those of the real run.
        await this.writer.run(opts.dryRun ? 'ROLLBACK' : 'COMMIT');
        if (!opts.dryRun) {
          if (marked.rowsChanged > 0) this.replayDirty = true;
          await this.writer.run('CHECKPOINT');
        }
        return {
          events_deleted: deleted.rowsChanged,
          rejected_deleted: rejected.rowsChanged,
          carts: Number(carts.getRowObjects()[0]!.n),
          carts_refolded: marked.rowsChanged,
        };
      } catch (err) {
        await this.writer.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  refreshDerived(): Promise<void> {
    return this.refreshReplay();
  }

  /**
   * Deletes snapshot-derived events of one cart and its folds in one transaction, as the right to erasure
   * does (the same statements), and marks the cart to be folded again from the events that remain.
   */
  async retractDerived(cartId: string, eventIds: readonly string[]): Promise<number> {
    if (eventIds.length === 0) return 0;
    return this.writeLock.run(async () => {
      let deleted = 0;
      await this.inTransaction(async () => {
        await this.writer.run(query('duckdb', 'retract_carts'), { cart_id: cartId });
        deleted = (await this.writer.run(query('duckdb', 'retract_events'), { cart_id: cartId, event_ids: JSON.stringify(eventIds) })).rowsChanged;
        await this.writer.run(query('duckdb', 'forget_replay'));
        await this.writer.run(query('duckdb', 'product_model_apply'));
        await this.writer.run(query('duckdb', 'forget_mark_dirty'));
        await this.writer.run('DROP TABLE forget_carts');
      });
      this.replayDirty = true;
      return deleted;
    });
  }

  writeNamed(names: readonly WriteName[], params: QueryParams): Promise<void> {
    return this.writeLock.run(() =>
      this.inTransaction(async () => {
        for (const name of names) {
          // Each statement binds the parameters it declares (DuckDB refuses others).
          await this.writer.run(query('duckdb', name), bindable(ownParamsOf(name, params)));
        }
      }),
    );
  }

  /**
   * Folds the events of carts that changed since the last refresh into cart_replay, and brings their
   * read models (cart_model, line_model, product_model) up to date in the same transaction.
   */
  async refreshReplay(): Promise<void> {
    if (!this.replayDirty) return;
    await this.writeLock.run(async () => {
      if (!this.replayDirty) return;
      // A store opened with nothing to fold (the flag starts set) pays one lookup, not a refresh.
      const pending = (await this.writer.runAndReadAll(query('duckdb', 'replay_pending'))).getRowObjectsJS()[0]!.pending;
      if (pending) await this.inTransaction(() => this.refold());
      // INVARIANT: clean only once committed. A read arriving during the refresh finds the flag still set,
      // waits for the lock and so reads the refreshed cart_replay (clearing it first let concurrent reads
      // see a half-empty replay). writeBatch sets the flag under the same lock, so no mark is lost.
      this.replayDirty = false;
    });
  }

  /**
   * Drops cart_replay and the read models and folds every cart again from its events, in one transaction
   * (readers see the old rows until it commits), then checkpoints so that the new layout reaches the file.
   */
  async rebuildReadModels(): Promise<{ carts: number; lines: number }> {
    const counts = await this.writeLock.run(async () => {
      await this.inTransaction(async () => {
        await this.writer.run(query('duckdb', 'rebuild_read_models'));
        await this.refold();
      });
      this.replayDirty = false;
      await this.writer.run('CHECKPOINT');
      return (await this.writer.runAndReadAll(query('duckdb', 'read_model_counts'))).getRowObjectsJS()[0]!;
    });
    return { carts: Number(counts.carts), lines: Number(counts.lines) };
  }

  /** The refresh's statements, inside the caller's transaction: the carts in replay_dirty and their products. */
  private async refold(): Promise<void> {
    await this.writer.run(query('duckdb', 'refresh_replay'));
    await this.writer.run(query('duckdb', 'product_model_apply'));
  }

  private async inTransaction(work: () => Promise<unknown>): Promise<void> {
    await this.writer.run('BEGIN TRANSACTION');
    try {
      await work();
      await this.writer.run('COMMIT');
    } catch (err) {
      await this.writer.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  async runReadOnly(sql: string, limits: ReadOnlyLimits): Promise<ReadOnlyResult> {
    // The data team's queries may read the cart model, which reads cart_replay.
    await this.refreshReplay();
    return this.sandbox.run(sql, limits);
  }

  exportEvents(range: TimeRange, format: ExportFormat, opts: ExportOptions): Promise<EventExport> {
    return this.exporter.export(range, format, opts);
  }

  async queryColumns<N extends ColumnsName>(name: N, params: ParamsOf<N>): Promise<Columns> {
    const bound = bindable(paramsOf(name, params));
    if (readsAny(name, REFRESHED_MODELS)) await this.refreshReplay();
    // Materialized (run, not stream): another request may use the reader connection while we read.
    return readColumns(await this.reader.run(query('duckdb', name), bound));
  }

  /** Runs a read query on the reader connection and returns JSON-safe rows (BIGINT as string). */
  async all(sql: string, params?: Record<string, DuckDBValue>): Promise<Record<string, unknown>[]> {
    const reader = await this.reader.runAndReadAll(sql, params);
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  }

  async close(): Promise<void> {
    await this.writeLock.run(async () => {
      // A checkpoint folds the WAL into the file, so the next start opens fast.
      await this.writer.run('CHECKPOINT').catch(() => undefined);
      this.reader.closeSync();
      this.writer.closeSync();
      this.instance.closeSync();
      if (this.path === ':memory:') rmSync(this.exportDir, { recursive: true, force: true });
    });
  }

  private async append<T>(table: string, rows: Iterable<T>, write: (a: DuckDBAppender, row: T) => void): Promise<void> {
    const appender = await this.writer.createAppender(table, 'main', 'temp');
    try {
      for (const row of rows) {
        write(appender, row);
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }
}

/**
 * Instance-wide defence in depth, set once at open and locked: no file outside the export folder (and
 * DuckDB's own temp folder), no network, no extension loading, no further configuration change by any
 * connection. The data team's SQL (sandbox/) is checked before it runs; this holds even if a check
 * misses something. Code that needs another folder must add it here, before the lock.
 */
async function harden(conn: DuckDBConnection, exportDir: string): Promise<void> {
  const dir = `${exportDir}/`.replaceAll("'", "''");
  await conn.run(`SET allowed_directories = ['${dir}']`);
  await conn.run('SET enable_external_access = false');
  await conn.run('SET lock_configuration = true');
}

/** Integers bind as BIGINT (JS numbers would bind as DOUBLE). */
function bindable(params: QueryParams): Record<string, DuckDBValue> {
  const out: Record<string, DuckDBValue> = {};
  for (const [k, v] of Object.entries(params)) out[k] = typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : v;
  return out;
}

function str(a: DuckDBAppender, v: string | null): void {
  if (v === null) a.appendNull();
  else a.appendVarchar(v);
}
function big(a: DuckDBAppender, v: number | null): void {
  if (v === null) a.appendNull();
  else a.appendBigInt(BigInt(v));
}
function int(a: DuckDBAppender, v: number | null): void {
  if (v === null) a.appendNull();
  else a.appendInteger(v);
}

function appendEvent(a: DuckDBAppender, e: EventRow): void {
  str(a, e.event_id);
  str(a, e.type);
  a.appendSmallInt(e.schema_version);
  big(a, e.occurred_at_ms);
  big(a, e.received_at_ms);
  big(a, e.sequence);
  str(a, e.cart_id);
  str(a, e.customer_id);
  str(a, e.anonymous_id);
  str(a, e.session_id);
  str(a, e.currency);
  str(a, e.channel);
  str(a, e.campaign_source);
  str(a, e.campaign_medium);
  str(a, e.campaign_name);
  if (e.consent_marketing === null) a.appendNull();
  else a.appendBoolean(e.consent_marketing);
  str(a, e.product_id);
  str(a, e.sku);
  str(a, e.product_name);
  str(a, e.category);
  str(a, e.brand);
  big(a, e.unit_price_minor);
  int(a, e.quantity);
  int(a, e.from_quantity);
  int(a, e.to_quantity);
  big(a, e.cart_value_minor);
  str(a, e.order_id);
  big(a, e.total_minor);
  str(a, e.order_items_json);
  str(a, e.source);
  str(a, e.payload);
}

function appendRejected(a: DuckDBAppender, r: RejectedRow): void {
  big(a, r.received_at_ms);
  str(a, r.source);
  str(a, r.source_ref);
  str(a, r.reason);
  str(a, r.field);
  str(a, r.detail);
  a.appendBlob(r.payload);
}

/** Upper-case hex of the identifier as a JSON string (`"ID"`), as DuckDB's hex() spells bytes. */
function jsonStringHex(id: string): string {
  return Buffer.from(JSON.stringify(id)).toString('hex').toUpperCase();
}
