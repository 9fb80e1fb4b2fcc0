import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import {
  catalogue,
  ownParamsOf,
  paramsOf,
  readsAny,
  rowsOf,
  type BareReadName,
  type ColumnsName,
  type Model,
  type ParamsOf,
  type ReadName,
  type RowOf,
  type WriteName,
} from '../catalogue/index.ts';
import { migrations, query, statements, views } from '../loader.ts';
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
  DerivedRetractor,
  EventExport,
  ExportFormat,
  ExportOptions,
  NamedWriter,
  QueryParams,
  ReadOnlyLimits,
  TimeRange,
  ReadOnlyResult,
  Row,
  Warehouse,
} from '../warehouse.ts';
import { forgetParams, type ForgetOptions } from '../warehouse.ts';
import { openClient, openReadOnlyClient, type ClickHouseTarget, type RawInsert } from './client.ts';
import { ClickHouseSandbox } from './sandbox/sandbox.ts';
import { pooledSessions, sharedSessions, type SandboxSessions } from './sandbox/sessions.ts';
import { readColumns } from './columns.ts';
import { exportEvents } from './export.ts';
import { keptAsOf, keptTwins, keptVariant } from './keptModel.ts';
import { eventsBody, rejectedValues } from './insertBody.ts';
import { asInsertRefusal } from './insertErrors.ts';
import { Mutex } from '../mutex.ts';

const LOOKUP_CHUNK = 5_000;
/** How long a mark's insert may take to land after the server stamped it, and still be folded. */
const MARK_MARGIN_MS = 10_000;
const FORGET_MARKS_EVERY_MS = 10 * 60_000;
/** The as_of of a refresh that reads no answer after it (the largest Int64: no fold ends after it). */
const NO_AS_OF = '9223372036854775807';

/** What a read saw of the kept folds before its query: whether one ends after its as_of, and this process's fold writes then. */
interface FoldsSeen {
  later: boolean;
  /** foldWrites.started when `later` was asked. */
  generation: number;
  /** Whether no fold write of this process was under way then. */
  quiet: boolean;
}

/**
 * What the kept folds hold: a query reading either is folded first. Product names come from the catalogue
 * and the events' names, and the funnels read events and cart_spans (kept by the engine on insert): neither folds.
 */
export const FOLDED_MODELS: ReadonlySet<Model> = new Set(['carts', 'lines']);

export interface ClickHouseOptions {
  /** Parse every answer's rows against the catalogue, however large (tests); otherwise only small ones (sql/catalogue/define.ts). */
  checkRows?: boolean;
}

/**
 * The warehouse on ClickHouse, a server or chdb in-process (see docs/clickhouse.md).
 *
 * Deduplication by event_id, in three layers:
 * 1. the writer looks up a batch's event_ids and inserts only unknown ones (first stored wins, as on
 *    DuckDB), which also gives `inserted` and `duplicates`;
 * 2. each insert carries insert_deduplication_token = a hash of exactly the rows it holds, so an insert
 *    retried after an error whose first attempt did land (or raced by a second writer) is dropped whole;
 * 3. events is a ReplacingMergeTree on (cart_id, event_id) and every read uses FINAL, so copies that
 *    slip past both (two workers writing differently cut batches at once) never count twice.
 */
export class ClickHouseWarehouse implements Warehouse, NamedWriter, DerivedRetractor {
  readonly engine = 'clickhouse' as const;
  private readonly writeLock = new Mutex();
  private readonly foldLock = new Mutex();
  private marksForgottenAt = 0;
  /** Marks (cart@µs) of the last fold's window that this process has folded. */
  private foldedMarks = new Set<string>();
  /** Steps of this process that write cart_folds or cart_line_folds: begun so far, and under way. */
  private readonly foldWrites = { started: 0, running: 0 };
  private readonly sandboxSessions: SandboxSessions;
  private readonly sandbox: ClickHouseSandbox;

  private constructor(
    readonly target: ClickHouseTarget,
    readonly client: ClickHouseClient,
    private readonly rawInsert: RawInsert | null,
    private readonly checkRows: boolean,
  ) {
    this.sandboxSessions = target.kind === 'chdb' ? pooledSessions(() => openReadOnlyClient(target)) : sharedSessions(() => openReadOnlyClient(target));
    this.sandbox = new ClickHouseSandbox(this.client, this.sandboxSessions, this.target.database);
  }

  static async open(target: ClickHouseTarget, opts: ClickHouseOptions = {}): Promise<ClickHouseWarehouse> {
    const { client, rawInsert } = await openClient(target);
    return new ClickHouseWarehouse(target, client, rawInsert, opts.checkRows ?? false);
  }

  async migrate(): Promise<string[]> {
    return this.writeLock.run(async () => {
      await this.client.command({
        query: `CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
                ENGINE = MergeTree ORDER BY version`,
      });
      const done = new Set((await this.rows('SELECT DISTINCT version FROM schema_migrations')).map((r) => Number(r.version)));
      const applied: string[] = [];
      for (const m of migrations('clickhouse')) {
        if (done.has(m.version)) continue;
        // ClickHouse DDL is not transactional: every statement of a migration is idempotent (IF NOT
        // EXISTS), so one interrupted half-way is simply applied again at the next start.
        for (const sql of statements(m.sql)) {
          try {
            await this.client.command({ query: sql });
          } catch (err) {
            throw new Error(`migration ${m.version}_${m.name} failed: ${(err as Error).message}`, { cause: err });
          }
        }
        await this.client.insert({
          table: 'schema_migrations',
          values: [{ version: m.version, name: m.name }],
          format: 'JSONEachRow',
          clickhouse_settings: insertSettings(`migration-${m.version}-${Date.now()}-${Math.random()}`),
        });
        applied.push(`${m.version}_${m.name}`);
      }
      for (const v of views('clickhouse')) {
        for (const sql of statements(v.sql)) {
          try {
            await this.client.command({ query: sql });
          } catch (err) {
            throw new Error(`view ${v.name} failed: ${(err as Error).message}`, { cause: err });
          }
        }
      }
      for (const sql of keptTwins(views('clickhouse').flatMap((v) => statements(v.sql)))) await this.client.command({ query: sql });
      // Orders missing from the orders model and folds of carts written before cart_folds existed, or whose
      // marks were lost (see refreshFolds), then the lines of carts whose kept lines are behind their fold
      // (a process stopped between the two).
      for (const name of ['repair_orders', 'repair_folds']) {
        await this.writingFolds(() => this.client.command({ query: query('clickhouse', name), clickhouse_settings: FOLD_SETTINGS }));
      }
      await this.foldCarts((await this.rows(query('clickhouse', 'repair_folds_carts'))).map((r) => String(r.cart_id)));
      const behind = (await this.rows(query('clickhouse', 'repair_lines_carts'))).map((r) => String(r.cart_id));
      await this.foldLines(behind);
      return applied;
    });
  }

  writeBatch(events: readonly EventRow[], rejected: readonly RejectedRow[]): Promise<WriteResult> {
    return this.writeLock.run(async () => {
      const unique = new Map<string, EventRow>();
      for (const e of events) if (!unique.has(e.event_id)) unique.set(e.event_id, e);
      const ids = [...unique.keys()];
      // Query parameters travel in the URL on a server (http_max_uri_size, 1 MiB by default): in chunks.
      for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
        const known = await this.rows(query('clickhouse', 'known_event_ids'), { ids: ids.slice(i, i + LOOKUP_CHUNK) });
        for (const r of known) unique.delete(String(r.id));
      }
      const fresh = [...unique.values()];
      // INVARIANT: an insert returns once its part is written and fsynced (fsync_after_insert), so the
      // caller may acknowledge when both inserts have returned. A failure in between makes the caller
      // retry the whole batch: the events already stored are then found by the look-up above.
      if (fresh.length > 0) {
        await this.insertBody('events', eventsBody(fresh), insertSettings(token('events', fresh.map((e) => e.event_id).sort()))).catch((err: unknown) => {
          throw asInsertRefusal(err);
        });
      }
      if (rejected.length > 0) {
        const values = rejected.map(rejectedValues);
        await this.client.insert({
          table: 'rejected_events',
          columns: ['received_at', 'source', 'source_ref', 'reason', 'field', 'detail', 'payload_hex'],
          values,
          format: 'JSONEachRow',
          clickhouse_settings: insertSettings(
            token(
              'rejected',
              values.map((v) => JSON.stringify(v)),
            ),
          ),
        });
      }
      // INVARIANT: the carts of every event of the batch, duplicates too, are marked after its events are
      // stored and before it is acknowledged: the next read of the cart model folds them again. A batch
      // retried after a failure before its marks is marked then; marks lost with the machine are found by
      // the repair at start (repair_folds.sql).
      const carts = [...new Set(events.map((e) => e.cart_id))];
      if (carts.length > 0) {
        await this.client.insert({
          table: 'cart_dirty',
          columns: ['cart_id'],
          values: carts.map((cart_id) => ({ cart_id })),
          format: 'JSONEachRow',
          clickhouse_settings: FOLD_SETTINGS,
        });
      }
      return { inserted: fresh.length, duplicates: events.length - fresh.length, rejected: rejected.length };
    });
  }

  /** One JSONEachRow insert of a body built beforehand (insertBody.ts), without an object per row. */
  private async insertBody(table: string, body: string, settings: ClickHouseSettings): Promise<void> {
    if (this.rawInsert) return this.rawInsert(table, 'JSONEachRow', Buffer.from(body), settings);
    const { stream } = await this.client.exec({
      query: `INSERT INTO ${table} FORMAT JSONEachRow`,
      values: Readable.from([body], { objectMode: false }),
      clickhouse_settings: settings,
    });
    stream.resume();
    await finished(stream);
  }

  async stats(): Promise<WarehouseStats> {
    const [[row], byReason] = await Promise.all([this.query('stats'), this.query('rejected_by_reason')]);
    return warehouseStats(row!, byReason);
  }

  async readModelLag(): Promise<ReadModelLag> {
    // Read as it stands: the lag must not fold (a read of the models would fold first).
    return readModelLag((await this.query('read_model_lag'))[0]);
  }

  writeNamed(names: readonly WriteName[], params: QueryParams): Promise<void> {
    return this.writeLock.run(async () => {
      for (const name of names) {
        await this.client.command({ query: query('clickhouse', name), query_params: ownParamsOf(name, params), clickhouse_settings: FOLD_SETTINGS });
      }
    });
  }

  query<N extends BareReadName>(name: N): Promise<RowOf<N>[]>;
  query<N extends ReadName>(name: N, params: ParamsOf<N>): Promise<RowOf<N>[]>;
  async query<N extends ReadName>(name: N, params?: ParamsOf<N>): Promise<RowOf<N>[]> {
    const bound = paramsOf(name, params);
    return rowsOf(name, catalogue[name], await this.folded(name, query('clickhouse', name), bound), this.checkRows) as RowOf<N>[];
  }

  /** A query's rows as JSON, folded first when it reads the kept folds, from their `_kept` twins when they alone answer it. */
  private async folded(name: ReadName, sql: string, params: QueryParams): Promise<Row[]> {
    if (!readsAny(name, FOLDED_MODELS)) return this.rows(sql, params);
    const kept = keptVariant(sql);
    const asOfMs = kept === null ? undefined : params.as_of_ms;
    const folds = await this.refreshFolds(asOfMs);
    if (kept !== null && asOfMs !== undefined && !folds.later) {
      const rows = await this.rows(kept, params);
      // INVARIANT: the kept rows alone are the answer only if no fold ended after as_of while they were
      // read; a cart's last activity only grows, so none after the read means none during it. Otherwise
      // (a fold of an event later than as_of landed meanwhile) the answer is asked again with the fold.
      if (!(await this.foldedSince(folds, asOfMs))) return rows;
    }
    return this.rows(sql, params);
  }

  /**
   * Whether a kept fold may have an event after as_of now, when none had at `folds`. On chdb this process
   * is the only one that writes the store (chdb binds its directory to one process), so no fold written
   * since, and none under way then, answers it without asking; on a server another process may have
   * folded, and queries/folds_after.sql asks.
   */
  private async foldedSince(folds: FoldsSeen, asOfMs: QueryParams[string]): Promise<boolean> {
    if (this.target.kind === 'chdb' && folds.quiet && folds.generation === this.foldWrites.started) return false;
    return this.foldsAfter(asOfMs);
  }

  /** Whether any kept fold has an event after the instant (queries/folds_after.sql). */
  private async foldsAfter(asOfMs: QueryParams[string]): Promise<boolean> {
    const [row] = await this.rows(query('clickhouse', 'folds_after'), { as_of_ms: asOfMs });
    return Boolean(row?.later);
  }

  /**
   * Folds again the carts marked in cart_dirty since the last fold (by any process), then moves the
   * watermark to the server time taken before the marks were read. Reads of the cart model call it first,
   * as DuckDB refreshes cart_replay; reads in one process take turns, so a dashboard's three answers fold once.
   * With an as_of it also tells whether a kept fold then has an event after it (`later`), from the same
   * round trip as the marks when there is nothing to fold (fold_pending.sql).
   */
  refreshFolds(asOfMs?: QueryParams[string]): Promise<FoldsSeen> {
    return this.foldLock.run(async () => {
      const seen = this.foldsNow();
      const [pending] = await this.rows(query('clickhouse', 'fold_pending'), { margin_ms: MARK_MARGIN_MS, as_of_ms: asOfMs ?? NO_AS_OF });
      const marks = ((pending?.marks as [string, string][] | undefined) ?? []).map(([cart, at]) => ({ cart, key: `${cart}@${at}` }));
      if (marks.length === 0 || !pending) return seen(Boolean(pending?.later));
      // A mark this process saw in an earlier fold was folded with its events (stored before it): only
      // marks not seen yet are folded, so the margin costs each mark one fold per process, not one per read.
      const carts = [...new Set(marks.filter((m) => !this.foldedMarks.has(m.key)).map((m) => m.cart))];
      await this.foldCarts(carts);
      // Moved on even when every mark was folded before: otherwise the marks of the margin stay in every
      // later read's window (and are sent to it) until the next write; moved, they leave it 10 s later.
      await this.client.command({
        query: query('clickhouse', 'advance_watermark'),
        query_params: { fold_to_us: String(pending.fold_to_us) },
        clickhouse_settings: FOLD_SETTINGS,
      });
      this.foldedMarks = new Set(marks.map((m) => m.key)); // the marks still inside the window
      if (Date.now() - this.marksForgottenAt > FORGET_MARKS_EVERY_MS) {
        await this.client.command({ query: query('clickhouse', 'forget_old_marks') });
        this.marksForgottenAt = Date.now();
      }
      if (carts.length === 0) return seen(Boolean(pending.later));
      // The folds just written may end after as_of: asked again, after them.
      const after = this.foldsNow();
      return after(asOfMs !== undefined && (await this.foldsAfter(asOfMs)));
    });
  }

  /** This process's fold writes as they stand now, to be said with whether a fold ended after as_of, asked after. */
  private foldsNow(): (later: boolean) => FoldsSeen {
    const { started: generation, running } = this.foldWrites;
    return (later) => ({ generation, quiet: running === 0, later });
  }

  async refreshDerived(): Promise<void> {
    await this.refreshFolds();
  }

  /**
   * INVARIANT: a cart's lines are kept from its kept fold, so each chunk's carts are folded into cart_folds
   * first and their lines (refold_lines.sql) read that fold; a process stopped in between leaves lines
   * behind their fold, which the repair at start finds (repair_lines_carts.sql). Their orders
   * (refold_orders.sql) come first: a process stopped after them leaves the fold behind the events, which
   * the repair at start folds again, orders included (repair_folds_carts.sql).
   */
  private foldCarts(carts: readonly string[]): Promise<void> {
    return this.refold(carts, ['refold_orders', 'refold_carts', 'refold_lines']);
  }

  private foldLines(carts: readonly string[]): Promise<void> {
    return this.refold(carts, ['refold_lines']);
  }

  /** Runs the named fold queries, in order, on each chunk of carts in turn. */
  private refold(carts: readonly string[], steps: readonly string[]): Promise<void> {
    if (carts.length === 0) return Promise.resolve();
    return this.writingFolds(async () => {
      for (let i = 0; i < carts.length; i += LOOKUP_CHUNK) {
        const chunk = { carts: carts.slice(i, i + LOOKUP_CHUNK) };
        for (const name of steps) await this.client.command({ query: query('clickhouse', name), query_params: chunk, clickhouse_settings: FOLD_SETTINGS });
      }
    });
  }

  /** Runs a step that writes the kept folds, counted (foldWrites) so that a read knows one happened meanwhile. */
  private async writingFolds<T>(step: () => Promise<T>): Promise<T> {
    this.foldWrites.started++;
    this.foldWrites.running++;
    try {
      return await step();
    } finally {
      this.foldWrites.running--;
    }
  }

  /**
   * The read models from the events alone: emptied, then every cart folded once into cart_folds, its lines
   * kept from that fold and its orders from its events, as the incremental path keeps them. Writes and reads wait meanwhile (a
   * reader in another process sees the models empty or partial until it ends: run it on a quiet store).
   * The watermark stays: marks not folded yet are folded again at the next read, which changes nothing.
   */
  rebuildReadModels(): Promise<{ carts: number; lines: number }> {
    return this.writeLock.run(() =>
      this.foldLock.run(() =>
        this.writingFolds(async () => {
          for (const table of ['cart_folds', 'cart_line_folds', 'customer_orders', 'cart_spans'])
            await this.client.command({ query: `TRUNCATE TABLE ${table}` });
          for (const name of ['rebuild_folds', 'rebuild_lines', 'rebuild_orders', 'rebuild_spans'])
            await this.client.command({ query: query('clickhouse', name), clickhouse_settings: FOLD_SETTINGS });
          const [row] = await this.rows(query('clickhouse', 'read_model_counts'));
          return { carts: Number(row?.carts ?? 0), lines: Number(row?.lines ?? 0) };
        }),
      ),
    );
  }

  /** Runs a read query with bound parameters; rows as JSON (64-bit integers as strings). */
  async rows(sql: string, params: Record<string, unknown> = {}, settings: ClickHouseSettings = {}): Promise<Row[]> {
    const rs = await this.client.query({ query: sql, query_params: params, format: 'JSONEachRow', clickhouse_settings: settings });
    return rs.json<Row>();
  }

  /** The data team's SQL: checked, then run on a read-only session of its own (sandbox/sandbox.ts). */
  async runReadOnly(sql: string, limits: ReadOnlyLimits): Promise<ReadOnlyResult> {
    // The data team's queries may read the cart model, which reads cart_folds: folded first. A query whose
    // every view call names a literal as_of that no kept fold ends after reads the `_kept` twins, as query() does.
    return this.sandbox.run(sql, limits, async (statement, viewCalls) => {
      const asOfMs = keptAsOf(statement, viewCalls);
      const folds = await this.refreshFolds(asOfMs ?? undefined);
      const kept = keptVariant(statement);
      if (asOfMs === null || kept === null || folds.later) return null;
      return { statement: kept, stillExact: async () => !(await this.foldedSince(folds, asOfMs)) };
    });
  }

  /** The raw export, streamed in the engine's own output formats (export.ts). */
  exportEvents(range: TimeRange, format: ExportFormat, opts: ExportOptions): Promise<EventExport> {
    return exportEvents(this.client, range, format, opts);
  }

  /** A named query's answer column by column (the custom funnels read a million rows through it). */
  async queryColumns<N extends ColumnsName>(name: N, params: ParamsOf<N>): Promise<Columns> {
    const bound = paramsOf(name, params);
    if (readsAny(name, FOLDED_MODELS)) await this.refreshFolds();
    return readColumns(this.client, query('clickhouse', name), bound);
  }

  /**
   * Right to erasure on ClickHouse: counts, then mutations that rewrite the parts of `events` and
   * `rejected_events` without the customer's rows, waited for (mutations_sync = 2); the kept folds, lines
   * and orders of the customer's carts are rewritten away too and kept again from the events that remain
   * (a cart with none left has none). On a cluster, run it against the local tables ON CLUSTER
   * (docs/reliability.md).
   */
  forgetCustomer(customerId: string, opts: ForgetOptions = {}): Promise<ForgetResult> {
    return this.writeLock.run(() =>
      this.foldLock.run(() =>
        this.writingFolds(async () => {
          const params = { ...forgetParams(customerId, opts), needle: JSON.stringify(customerId) };
          const [row] = await this.rows(query('clickhouse', 'forget_counts'), params);
          const counts = {
            events_deleted: Number(row?.events_deleted ?? 0),
            rejected_deleted: Number(row?.rejected_deleted ?? 0),
            carts: Number(row?.carts ?? 0),
            carts_refolded: Number(row?.carts_refolded ?? 0),
          };
          if (opts.dryRun) return counts;
          const carts = (await this.rows(query('clickhouse', 'forget_carts'), params)).map((r) => String(r.cart_id));
          for (const name of ['forget_events', 'forget_rejected', 'forget_snapshots']) {
            await this.client.command({ query: query('clickhouse', name), query_params: params, clickhouse_settings: { mutations_sync: '2' } });
          }
          await this.refoldAfterDelete(carts, ['forget_folds', 'forget_lines', 'forget_orders', 'forget_spans', 'forget_lifecycle']);
          return counts;
        }),
      ),
    );
  }

  /**
   * Deletes snapshot-derived events of one cart (a mutation, waited for), then its kept folds, lines,
   * orders and span, and keeps them again from the events that remain, as the right to erasure does.
   * The cart's lifecycle announcements stay: they were true of what was known when they were made.
   */
  retractDerived(cartId: string, eventIds: readonly string[]): Promise<number> {
    if (eventIds.length === 0) return Promise.resolve(0);
    return this.writeLock.run(() =>
      this.foldLock.run(() =>
        this.writingFolds(async () => {
          const params = { cart_id: cartId, event_ids: eventIds };
          const [row] = await this.rows(query('clickhouse', 'retract_count'), params);
          await this.client.command({ query: query('clickhouse', 'retract_events'), query_params: params, clickhouse_settings: { mutations_sync: '2' } });
          await this.refoldAfterDelete([cartId], ['forget_folds', 'forget_lines', 'forget_orders', 'forget_spans']);
          return Number(row?.n ?? 0);
        }),
      ),
    );
  }

  /** After events of these carts were deleted: their kept rows go (the named mutations), then are kept again. */
  private async refoldAfterDelete(carts: readonly string[], forget: readonly string[]): Promise<void> {
    for (let i = 0; i < carts.length; i += LOOKUP_CHUNK) {
      const chunk = { carts: carts.slice(i, i + LOOKUP_CHUNK) };
      for (const name of forget) {
        for (const sql of statements(query('clickhouse', name))) {
          await this.client.command({ query: sql, query_params: chunk, clickhouse_settings: { mutations_sync: '2' } });
        }
      }
      // The chunk's spans again from the events that remain, once their old ones are gone.
      await this.client.command({ query: query('clickhouse', 'refill_spans'), query_params: chunk, clickhouse_settings: FOLD_SETTINGS });
    }
    await this.foldCarts(carts);
  }

  async close(): Promise<void> {
    await this.sandboxSessions.close();
    await this.writeLock.run(() => this.client.close());
  }
}

/**
 * Folds and marks are derived data: no block deduplication (a retried batch's marks must land again; two
 * folds of the same events are the same rows, and ReplacingMergeTree keeps one), and no token left over
 * from the session's last insert (chdb).
 */
const FOLD_SETTINGS: ClickHouseSettings = { insert_deduplicate: 0, insert_deduplication_token: '', async_insert: 0 };

/**
 * Every insert names its token: chdb applies settings to its session, where they outlive the insert,
 * so an insert without one could inherit the previous insert's token and be dropped as its copy.
 */
function insertSettings(dedupToken: string): ClickHouseSettings {
  return { insert_deduplicate: 1, insert_deduplication_token: dedupToken, async_insert: 0 };
}

/** The same rows give the same token, whatever batch they arrived in; different rows never share one. */
function token(table: string, parts: readonly string[]): string {
  const h = createHash('sha256').update(table);
  for (const p of parts) h.update('\0').update(p);
  return h.digest('hex');
}
