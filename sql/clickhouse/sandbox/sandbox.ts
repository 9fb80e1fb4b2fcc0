import type { ClickHouseClient } from '@clickhouse/client';
import { approxBytes } from '../../duckdb/values.ts';
import type { ColumnType, ReadOnlyLimits, ReadOnlyResult } from '../../warehouse.ts';
import { queryTimeout } from '../../errors.ts';
import { classify, engineLimits, firstLine, rowLimit } from './limits.ts';
import { deniedFunction, EXPOSED_SYSTEM_TABLES, EXPOSED_TABLE_FUNCTIONS, EXPOSED_TABLES, IN_FUNCTIONS } from './policy.ts';
import type { SandboxSessions } from './sessions.ts';
import { checkQueryTree, explainLines } from './tree.ts';
import { KEPT_VIEWS } from '../keptModel.ts';
import { CarrelloError, isCarrelloError } from '../../../errors/carrelloError.ts';

/**
 * The warehouse's say on a checked statement before it runs (its folds refreshed first): the same query
 * over the `_kept` twins when no kept fold ends after its as_of (keptModel.ts), with the check after the
 * read that keeps it exact, or null to run it as written. `viewCalls` is how many calls of the cart-model
 * views its AST holds.
 */
export type KeptPlanner = (statement: string, viewCalls: number) => Promise<{ statement: string; stillExact: () => Promise<boolean> } | null>;

/**
 * The data team's SQL on ClickHouse, in four steps:
 * 1. `formatQuery` parses the text as exactly one statement (ClickHouse refuses several) and gives it
 *    back canonical; only that canonical text is looked at and run, so nothing hides after a `;`.
 * 2. `EXPLAIN AST` of it is walked: the statement must be a SELECT (a union of them); no SETTINGS
 *    clause; every table named (in FROM, JOIN, or bare on the right of IN) is exposed (or a CTE of the
 *    query); every table function is on the allow-list; no scalar function on the deny-list or defined
 *    by a user (policy.ts). Nothing runs yet, so no engine error can describe a hidden table.
 * 3. `EXPLAIN QUERY TREE` on the read-only session: the analyzer resolves every table and function the
 *    query will touch, however named, and each is checked again (tree.ts).
 * 4. It runs on that session, `readonly = 2` (the engine refuses writes and DDL whatever the checks let
 *    through; readonly cannot be lowered), with the engine's own limits (limits.ts): time, memory,
 *    result size, and rows capped one past max_rows; times in UTC.
 * Limits: the checks trust ClickHouse's own printing of the AST and the tree; a name both a CTE and a
 * table of this database is refused as the table. On a server, a user granted SELECT on the exposed
 * tables only is the wall that does not depend on either (docs/clickhouse.md).
 */
export class ClickHouseSandbox {
  constructor(
    /** The session queries are checked with (any). */
    private readonly checker: ClickHouseClient,
    /** The read-only sessions queries run on (sessions.ts): side by side, none shared by two queries at once. */
    private readonly sessions: SandboxSessions,
    private readonly database: string,
  ) {}

  /** The names of the functions built into ClickHouse, read once (userFunctions). */
  private builtIns: Promise<Set<string>> | null = null;

  async run(sql: string, limits: ReadOnlyLimits, plan: KeptPlanner = async () => null): Promise<ReadOnlyResult> {
    const started = Date.now();
    if (sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, '').replace(/[\s;]/g, '') === '') throw new CarrelloError('sql_empty', 'the query is empty');
    const { statement, tables } = await this.canonical(sql);
    const viewCalls = await this.check(statement, tables);
    const kept = await plan(statement, viewCalls);
    // The time limit covers the checks and the opening of a session too.
    const seconds = () => Math.max(0.001, (limits.timeoutMs - (Date.now() - started)) / 1000);
    let answer: { meta: { name: string; type: string }[]; data: unknown[][] };
    const lease = await this.sessions.acquire().catch((err: unknown) => {
      throw classify(err, limits);
    });
    let failed = false;
    try {
      // The tree of the text read first is checked once: the twins' when they are read (planning them is a
      // tenth of planning the live views, docs/clickhouse.md). A read again as written after a fold moved
      // reuses that check: its text differs only by the view calls keptVariant renamed, and each twin is its
      // view's own statement under another name (keptModel.ts), so the same tables, functions and constant
      // columns come out.
      const first = kept === null ? statement : kept.statement;
      const tree = await lease.client.query({
        query: `EXPLAIN QUERY TREE ${first}`,
        format: 'TabSeparatedRaw',
        clickhouse_settings: engineLimits(limits, seconds()),
      });
      const { constantBytes } = checkQueryTree(await tree.text(), this.database, kept === null ? undefined : KEPT_VIEWS);
      const execute = async (text: string) => {
        const rs = await lease.client.query({
          query: text,
          format: 'JSONCompact',
          clickhouse_settings: {
            ...engineLimits(limits, seconds()),
            ...rowLimit(limits, constantBytes),
            session_timezone: 'UTC',
            // Every read of events as if with FINAL, as the warehouse's own queries do: copies not yet merged count once.
            final: 1,
            output_format_json_quote_64bit_integers: 1,
            output_format_json_named_tuples_as_objects: 1,
          },
        });
        return (await rs.json()) as unknown as typeof answer;
      };
      answer = await execute(first);
      // INVARIANT: the twins' answer stands only if no fold ended after its as_of while it was read.
      if (kept !== null && !(await kept.stillExact())) answer = await execute(statement);
    } catch (err) {
      if (isCarrelloError(err)) throw err;
      // chdb hands what a stopped query had written so far to the session's next query: the session
      // of a failed query is not lent again (sessions.ts).
      failed = true;
      throw classify(err, limits);
    } finally {
      await lease.release(failed);
    }
    if (Date.now() - started > limits.timeoutMs + 1_000) throw queryTimeout(limits);
    const kinds = answer.meta.map((m) => columnType(m.type));
    const values: unknown[][] = answer.meta.map(() => []);
    let rowCount = 0;
    let bytes = 0;
    let truncated: ReadOnlyResult['truncated'] = false;
    for (const raw of answer.data) {
      // INVARIANT: truncated is set only when a row beyond the limit exists.
      if (rowCount === limits.maxRows) {
        truncated = 'max_rows';
        break;
      }
      const row = raw.map((v, c) => normalise(v, kinds[c]!));
      const size = row.reduce((n: number, v) => n + approxBytes(v), 0);
      if (bytes + size > limits.maxBytes) {
        truncated = 'max_bytes';
        break;
      }
      bytes += size;
      row.forEach((v, c) => {
        values[c]!.push(v);
      });
      rowCount++;
    }
    return {
      columns: answer.meta.map((m, i) => ({ name: m.name, type: kinds[i]!, engine_type: m.type })),
      values,
      rowCount,
      truncated,
      elapsedMs: Date.now() - started,
    };
  }

  /**
   * One statement, as ClickHouse prints it back, and every table of this database, and of no other: those
   * the data team's SQL may not name unless exposed (one round trip).
   */
  private async canonical(sql: string): Promise<{ statement: string; tables: ReadonlySet<string> }> {
    try {
      const rs = await this.checker.query({
        query: 'SELECT formatQuery({q:String}) AS f, (SELECT groupArray(name) FROM system.tables WHERE database = currentDatabase()) AS tables',
        query_params: { q: sql },
        format: 'JSONEachRow',
      });
      const [row] = await rs.json<{ f: string; tables: string[] }>();
      return { statement: row!.f, tables: new Set(row!.tables) };
    } catch (err) {
      const message = (err as Error).message;
      if (/Multi-statements are not allowed/.test(message)) {
        // Several statements: say which kind of refusal a write among them is, as DuckDB's check does.
        const writes = sql
          .split(';')
          .slice(1)
          .some((s) => s.trim() !== '' && !/^\s*(\(?\s*(SELECT|WITH)\b)/i.test(s));
        throw writes
          ? new CarrelloError('sql_not_read_only', 'only one read-only statement (SELECT) may run')
          : new CarrelloError('sql_multiple_statements', 'the query holds more than one statement; send exactly one');
      }
      if ((err as { code?: string }).code === '62' || /Syntax error/.test(message)) {
        // Statements formatQuery does not know (SYSTEM, KILL, ...) are no reads either.
        if (/^\s*(SYSTEM|KILL|BACKUP|RESTORE|GRANT|REVOKE|USE|MOVE|UNDROP|EXCHANGE|RENAME|DETACH|ATTACH|INSTALL|LOAD)\b/i.test(sql)) {
          throw new CarrelloError('sql_not_read_only', 'only a read-only query (SELECT) may run');
        }
        throw new CarrelloError('sql_syntax_error', firstLine(message));
      }
      throw classify(err, { timeoutMs: 0, maxRows: 0, maxBytes: 0 });
    }
  }

  /** Walks the statement's AST against policy.ts; returns how many calls of the cart-model views it holds. */
  private async check(statement: string, tables: ReadonlySet<string>): Promise<number> {
    if (!/^\s*(SELECT|WITH|\()/i.test(statement))
      throw new CarrelloError('sql_not_read_only', `only a read-only query (SELECT) may run; this is ${statement.trim().split(/\s/)[0]}`);
    let text: string;
    try {
      const rs = await this.checker.query({ query: `EXPLAIN AST ${statement}`, format: 'TabSeparatedRaw' });
      text = await rs.text();
    } catch (err) {
      throw new CarrelloError('sql_syntax_error', firstLine((err as Error).message));
    }
    const nodes = explainLines(text).map((l) => ({ depth: l.length - l.trimStart().length, text: l.trim() }));
    const top = nodes[0];
    if (top?.depth !== 0 || !/^SelectWithUnionQuery\b/.test(top.text)) {
      throw new CarrelloError('sql_not_read_only', `only a read-only query (SELECT) may run; this is ${top?.text.split(' ')[0] ?? 'nothing'}`);
    }
    // Beside its ExpressionList, a SELECT's top node holds only what the client adds (FORMAT): INTO
    // OUTFILE (a file written by the engine) and anything else there is refused.
    for (const node of nodes) {
      if (node.depth === 1 && !/^(ExpressionList|Identifier TabSeparatedRaw$)/.test(node.text)) {
        throw new CarrelloError('sql_not_read_only', `only a plain query may run; not ${node.text.split(' ')[0]} on it (INTO OUTFILE, FORMAT, ...)`);
      }
    }
    if (/\bINTO\s+OUTFILE\b/i.test(statement)) throw new CarrelloError('sql_not_read_only', 'INTO OUTFILE writes a file; only reads may run');
    const userFunctions = await this.userFunctions(
      nodes.flatMap((node, i) => {
        const fn = /^Function (\S+)/.exec(node.text);
        return fn && !parentOf(nodes, i)?.text.startsWith('TableExpression') ? [fn[1]!] : [];
      }),
    );
    const checkTable = (name: string) => {
      if (EXPOSED_TABLES.has(name) || EXPOSED_TABLES.has(name.replace(`${this.database}.`, '')) || EXPOSED_SYSTEM_TABLES.has(name)) return;
      // Not exposed: refused when it names a real table; otherwise it is a CTE of the query (or
      // nothing, which the engine then reports).
      if (name.includes('.') || tables.has(name))
        throw new CarrelloError('sql_forbidden_table', `table ${name} is not exposed; see docs/sql.md`, { table: name });
    };
    let viewCalls = 0;
    for (const [i, node] of nodes.entries()) {
      const parent = parentOf(nodes, i);
      if (node.text === 'Set' || node.text.startsWith('Set ')) {
        throw new CarrelloError('sql_not_read_only', 'settings cannot be changed (SETTINGS clause)');
      }
      const table = /^TableIdentifier (\S+)/.exec(node.text);
      if (table) {
        checkTable(table[1]!);
        continue;
      }
      // `x IN t` with a bare name reads table t as the set: the same allow-list as FROM.
      const identifier = /^Identifier (\S+)/.exec(node.text);
      if (identifier && parent?.text.startsWith('ExpressionList')) {
        const call = /^Function (\S+)/.exec(parentOf(nodes, nodes.indexOf(parent))?.text ?? '');
        if (call && IN_FUNCTIONS.has(call[1]!) && !firstChild(nodes, i)) checkTable(identifier[1]!);
        continue;
      }
      const fn = /^Function (\S+)/.exec(node.text);
      if (fn) {
        const name = fn[1]!;
        if (parent?.text.startsWith('TableExpression')) {
          if (name.endsWith('_asof')) viewCalls++;
          if (!EXPOSED_TABLE_FUNCTIONS.has(name))
            throw new CarrelloError('sql_forbidden_function', `table function ${name} is not exposed; see docs/sql.md`, { function: name });
          continue;
        }
        const denied = deniedFunction(name) ?? (userFunctions.has(name) ? 'is defined by a user of the server, not built into ClickHouse' : undefined);
        if (denied !== undefined) throw new CarrelloError('sql_forbidden_function', `function ${name} is not allowed: it ${denied}`, { function: name });
      }
    }
    return viewCalls;
  }

  /**
   * Of the functions a query calls, those created on the server (SQL or executable UDFs): their bodies are
   * nobody's check. system.functions is built whole at every read (~1,900 rows, 15–80 ms on chdb), so the
   * names built into ClickHouse are read once: a user function cannot take a built-in's name (CREATE
   * FUNCTION refuses it), so a query calling built-ins only has none, and any other name is looked up.
   */
  private async userFunctions(called: readonly string[]): Promise<Set<string>> {
    this.builtIns ??= this.functionNames("origin = 'System'").catch((err: unknown) => {
      this.builtIns = null;
      throw err;
    });
    const builtIns = await this.builtIns;
    if (called.every((name) => builtIns.has(name))) return new Set();
    return this.functionNames("origin != 'System'");
  }

  private async functionNames(where: string): Promise<Set<string>> {
    const rs = await this.checker.query({ query: `SELECT name FROM system.functions WHERE ${where}`, format: 'JSONEachRow' });
    return new Set((await rs.json<{ name: string }>()).map((r) => r.name));
  }
}

function parentOf(nodes: { depth: number; text: string }[], i: number): { depth: number; text: string } | undefined {
  const depth = nodes[i]!.depth;
  for (let j = i - 1; j >= 0; j--) if (nodes[j]!.depth < depth) return nodes[j];
  return undefined;
}

/** Whether node i is the first child of its parent (no sibling before it). */
function firstChild(nodes: { depth: number; text: string }[], i: number): boolean {
  const depth = nodes[i]!.depth;
  for (let j = i - 1; j >= 0; j--) {
    if (nodes[j]!.depth === depth) return false;
    if (nodes[j]!.depth < depth) return true;
  }
  return true;
}

/** Engine-neutral type of a ClickHouse type name. */
export function columnType(type: string): ColumnType {
  const inner = /^(Nullable|LowCardinality)\((.*)\)$/.exec(type);
  if (inner) return columnType(inner[2]!);
  if (/^(Int8|Int16|Int32|UInt8|UInt16)$/.test(type)) return { kind: 'int32' };
  if (/^(Int64|UInt32|UInt64)$/.test(type)) return { kind: 'int64' };
  if (/^(Float32|Float64|BFloat16|Decimal.*)$/.test(type)) return { kind: 'float64' };
  if (type === 'Bool') return { kind: 'boolean' };
  if (/^(String|FixedString\(\d+\)|UUID|Enum(8|16)?\(.*\)|IPv4|IPv6)$/.test(type)) return { kind: 'string' };
  if (/^DateTime(64)?(\(.*\))?$/.test(type)) return { kind: 'timestamp' };
  if (/^Date(32)?$/.test(type)) return { kind: 'date' };
  const array = /^Array\((.*)\)$/.exec(type);
  if (array) return { kind: 'list', item: columnType(array[1]!) };
  const tuple = /^Tuple\((.*)\)$/.exec(type);
  if (tuple) {
    const parts = splitTop(tuple[1]!);
    const named = parts.every((p) => /^[A-Za-z_][A-Za-z0-9_]* /.test(p));
    if (named) return { kind: 'struct', fields: parts.map((p) => ({ name: p.slice(0, p.indexOf(' ')), type: columnType(p.slice(p.indexOf(' ') + 1)) })) };
  }
  return { kind: 'json' };
}

/** Splits `A, B(C, D), E` at its top-level commas. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(s.slice(start).trim());
  return out;
}

/** A JSONCompact value as ReadOnlyResult wants it for its kind. */
function normalise(v: unknown, t: ColumnType): unknown {
  if (v === null || v === undefined) return null;
  switch (t.kind) {
    case 'int32':
    case 'float64':
      return Number(v);
    case 'int64':
      return BigInt(v as string | number);
    case 'boolean':
      return v === true || v === 1 || v === 'true';
    case 'string':
      return String(v);
    case 'timestamp':
      return Date.parse(`${String(v).replace(' ', 'T')}Z`);
    case 'date':
      return Date.parse(`${String(v)}T00:00:00Z`);
    case 'list':
      return (v as unknown[]).map((x) => normalise(x, t.item));
    case 'struct': {
      const o = v as Record<string, unknown> | unknown[];
      return Object.fromEntries(t.fields.map((f, i) => [f.name, normalise(Array.isArray(o) ? o[i] : o[f.name], f.type)]));
    }
    default:
      return v;
  }
}
