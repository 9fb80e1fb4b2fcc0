import type { QueryError } from '../../errors.ts';
import { checkBuiltSize, SIZE_BOUNDED } from './bounds.ts';
import { DENIED_FUNCTIONS, DENIED_PREFIXES, EXPOSED_TABLE_FUNCTIONS, EXPOSED_TABLES, PARSER_FUNCTIONS } from './policy.ts';
import { CarrelloError } from '../../../errors/carrelloError.ts';

/**
 * Checks one SELECT statement as DuckDB's own parser sees it: the JSON of `json_serialize_sql`, which
 * serialises SELECT statements only. The walk is fail-closed: every node kind it does not know is
 * refused (`sql_unsupported`) rather than skipped, so a construct added by a later DuckDB cannot carry
 * a table or function past the check unseen.
 *
 * What it enforces: FROM names only exposed tables or CTEs in scope; table functions and table macros
 * only from the allow-list; other functions only built-ins (the engine's catalogue) not denied, and
 * those that build a value larger than their inputs (bounds.ts) only with literal sizes within a bound.
 */
export function checkSelect(statement: unknown, builtins: ReadonlySet<string>): void {
  const node = asObject(statement)?.node;
  const n = asObject(node);
  if (!n || typeof n.type !== 'string' || !QUERY_NODES.has(n.type)) throw unsupported(String(n?.type ?? 'statement'));
  new Walk(builtins).visit(n, new Set());
}

type Obj = Record<string, unknown>;
type Scope = ReadonlySet<string>;

const QUERY_NODES = new Set(['SELECT_NODE', 'SET_OPERATION_NODE', 'RECURSIVE_CTE_NODE']);
const TABLE_REFS = new Set(['BASE_TABLE', 'TABLE_FUNCTION', 'JOIN', 'SUBQUERY', 'EMPTY', 'EXPRESSION_LIST', 'PIVOT', 'SHOW_REF']);
/** Typed objects that only hold expressions and query nodes (walked like any other object). */
const HOLDERS = new Set(['ORDER_MODIFIER', 'LIMIT_MODIFIER', 'LIMIT_PERCENT_MODIFIER', 'DISTINCT_MODIFIER', 'ORDER_DEFAULT', 'ASCENDING', 'DESCENDING']);
const EXPRESSION_CLASSES = new Set([
  'AGGREGATE',
  'BETWEEN',
  'CASE',
  'CAST',
  'COLLATE',
  'COLUMN_REF',
  'COMPARISON',
  'CONJUNCTION',
  'CONSTANT',
  'FUNCTION',
  'LAMBDA',
  'LAMBDA_REF',
  'OPERATOR',
  'PARAMETER',
  'POSITIONAL_REFERENCE',
  'STAR',
  'SUBQUERY',
  'WINDOW',
]);
/** DESCRIBE and SUMMARIZE of a query; SHOW TABLES and friends list the whole catalogue and are refused. */
const SHOWS = new Set(['DESCRIBE', 'SUMMARY']);

class Walk {
  constructor(private readonly builtins: ReadonlySet<string>) {}

  visit(value: unknown, scope: Scope): void {
    if (Array.isArray(value)) {
      for (const v of value) this.visit(v, scope);
      return;
    }
    const o = asObject(value);
    if (!o) return;
    if ('class' in o) return this.expression(o, scope);
    if (typeof o.type !== 'string') return this.children(o, scope);
    if (QUERY_NODES.has(o.type)) return this.queryNode(o, scope);
    if (TABLE_REFS.has(o.type)) return this.tableRef(o, scope);
    if (HOLDERS.has(o.type)) return this.children(o, scope);
    throw unsupported(o.type);
  }

  private children(o: Obj, scope: Scope, skip: readonly string[] = []): void {
    for (const [k, v] of Object.entries(o)) if (!skip.includes(k)) this.visit(v, scope);
  }

  /**
   * CTE scope, kept as narrow as DuckDB's or narrower: a CTE's body sees the CTEs declared before it,
   * never itself nor those after it; the node's body sees all of them; nested queries inherit. In a
   * recursive CTE node (WITH RECURSIVE x AS (anchor UNION recursive term)) only the recursive term sees
   * x: DuckDB binds the anchor without it, so a name in the anchor is the real table (checked on 1.5).
   * INVARIANT: a name is treated as a CTE only where DuckDB would resolve it to that CTE; otherwise a
   * CTE named like a hidden table (`WITH RECURSIVE pg_settings AS (FROM pg_settings UNION ALL ...)`)
   * would open it.
   */
  private queryNode(n: Obj, scope: Scope): void {
    let inner = new Set(scope);
    const ctes = asObject(n.cte_map)?.map;
    if (ctes !== undefined && !Array.isArray(ctes)) throw unsupported('cte_map');
    for (const entry of (ctes ?? []) as unknown[]) {
      const e = asObject(entry);
      if (!e || typeof e.key !== 'string') throw unsupported('cte');
      this.visit(e.value, inner);
      inner = new Set([...inner, e.key.toLowerCase()]);
    }
    if (n.type !== 'RECURSIVE_CTE_NODE') return this.children(n, inner, ['cte_map']);
    if (typeof n.cte_name !== 'string') throw unsupported('recursive cte');
    this.visit(n.left, inner);
    this.visit(n.right, new Set([...inner, n.cte_name.toLowerCase()]));
    this.children(n, inner, ['cte_map', 'left', 'right']);
  }

  private tableRef(t: Obj, scope: Scope): void {
    switch (t.type) {
      case 'BASE_TABLE': {
        const name = String(t.table_name ?? '').toLowerCase();
        const schema = String(t.schema_name ?? '').toLowerCase();
        const catalog = String(t.catalog_name ?? '');
        const isCte = catalog === '' && schema === '' && scope.has(name);
        const isExposed = catalog === '' && (schema === '' || schema === 'main') && EXPOSED_TABLES.has(name);
        if (!isCte && !isExposed) throw forbiddenTable([catalog, schema, String(t.table_name ?? '')].filter(Boolean).join('.'));
        return this.children(t, scope);
      }
      case 'TABLE_FUNCTION': {
        const fn = asObject(t.function);
        if (fn?.class !== 'FUNCTION') throw unsupported('table function');
        const name = qualifiedName(fn);
        if (!EXPOSED_TABLE_FUNCTIONS.has(name)) {
          throw new CarrelloError(
            'sql_forbidden_function',
            `table function ${name}() is not available; FROM takes ${list(EXPOSED_TABLES)} or ${list(EXPOSED_TABLE_FUNCTIONS, '()')}`,
            { function: name },
          );
        }
        this.children(fn, scope, ['function_name']);
        return this.children(t, scope, ['function']);
      }
      case 'SHOW_REF': {
        if (!SHOWS.has(String(t.show_type)) || asObject(t.query) === undefined || (t.table_name ?? '') !== '') throw unsupported(`SHOW ${String(t.show_type)}`);
        return this.children(t, scope);
      }
      default:
        return this.children(t, scope);
    }
  }

  private expression(e: Obj, scope: Scope): void {
    const cls = String(e.class);
    if (!EXPRESSION_CLASSES.has(cls)) throw unsupported(`expression ${cls}`);
    if (cls === 'CONSTANT') return; // a value: nothing below it runs
    if (typeof e.function_name === 'string') this.scalarFunction(e);
    // A cast's target is a type description, not an expression.
    this.children(e, scope, ['cast_type']);
  }

  private scalarFunction(e: Obj): void {
    const name = qualifiedName(e);
    const denied =
      DENIED_FUNCTIONS.get(name) ?? (DENIED_PREFIXES.some((p) => name.startsWith(p)) ? 'reaches engine internals, the catalogue or files' : undefined);
    if (denied) throw new CarrelloError('sql_forbidden_function', `function ${name}() is not available: it ${denied}`, { function: name });
    if (!this.builtins.has(name) && !PARSER_FUNCTIONS.has(name)) {
      throw new CarrelloError('sql_forbidden_function', `function ${name}() is not a built-in function available here`, { function: name });
    }
    if (SIZE_BOUNDED.has(name)) checkBuiltSize(name, Array.isArray(e.children) ? e.children : []);
  }
}

/** The function's name, lower case; a catalog or an unusual schema qualifier is refused. */
function qualifiedName(fn: Obj): string {
  const name = String(fn.function_name ?? '').toLowerCase();
  const catalog = String(fn.catalog ?? '');
  const schema = String(fn.schema ?? '').toLowerCase();
  if (catalog !== '' || !['', 'main', 'pg_catalog'].includes(schema)) {
    throw new CarrelloError('sql_forbidden_function', `qualified function names are not available: ${[catalog, schema, name].filter(Boolean).join('.')}`, {
      function: name,
    });
  }
  return name;
}

function forbiddenTable(name: string): QueryError {
  return new CarrelloError(
    'sql_forbidden_table',
    `${JSON.stringify(name)} is not available; FROM takes ${list(EXPOSED_TABLES)} or ${list(EXPOSED_TABLE_FUNCTIONS, '()')}`,
    { table: name },
  );
}

function unsupported(what: string): QueryError {
  return new CarrelloError('sql_unsupported', `${what} is not supported by the read-only SQL endpoint`, { construct: what });
}

function list(names: ReadonlySet<string>, suffix = ''): string {
  return [...names].map((n) => `${n}${suffix}`).join(', ');
}

function asObject(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}
