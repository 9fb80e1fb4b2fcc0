import type { DuckDBConnection } from '@duckdb/node-api';
import { query, statements, views } from '../../loader.ts';
import { EXPOSED_TABLE_FUNCTIONS, EXPOSED_TABLES } from './policy.ts';

/** The in-memory database that every sandbox connection `USE`s: views and macros only, no data. */
export const SANDBOX_CATALOG = 'carrello_sql';

/**
 * Builds the sandbox's own catalogue, the engine's wall under the check (check.ts): DuckDB 1.5 has no
 * per-connection catalogue permissions, but it resolves an unqualified name in the connection's current
 * database (then the system catalogue), so a connection that `USE`s a database holding only the exposed
 * names cannot reach the store's internal tables (schema_migrations, cart_replay, replay_dirty) by
 * their bare names, however a query shadows or nests them. The stage_* tables are the writer's temp
 * tables, which no other connection sees anyway.
 *
 * - each exposed table is a view of the store's table, by its qualified name;
 * - each exposed table macro, and every macro of views/*.sql it calls, is copied from those files with
 *   every table named in its body qualified with the store's catalogue and every call of a copied macro
 *   with the sandbox's, because DuckDB binds the names in a macro's (or view's) body where it is called,
 *   not where it was created. The body goes through DuckDB's own parser (json_serialize_sql) and back
 *   (json_deserialize_sql): the copies follow whatever the files hold, never edited by hand.
 *
 * The DDL is assembled here because identifiers cannot be bound as parameters; every piece comes from
 * the store's catalogue, policy.ts or views/*.sql, never from a client. Re-run on every migrate().
 */
export async function buildSandboxCatalog(conn: DuckDBConnection, files: readonly { name: string; sql: string }[] = views('duckdb')): Promise<void> {
  const relations = (await conn.runAndReadAll(query('duckdb', 'sandbox_store_relations'))).getRowObjectsJS()[0]!;
  const storeName = String(relations.store);
  if (storeName === SANDBOX_CATALOG) throw new Error(`the store's database is named ${SANDBOX_CATALOG}, the sandbox catalogue's name: rename the file`);
  const store = { name: storeName, relations: lowerSet(relations.names), scalarMacros: lowerSet(relations.scalar_macros) };
  const sandbox = ident(SANDBOX_CATALOG);
  await conn.run(`ATTACH IF NOT EXISTS ':memory:' AS ${sandbox}`);
  for (const table of EXPOSED_TABLES) {
    await conn.run(`CREATE OR REPLACE VIEW ${sandbox}.main.${ident(table)} AS SELECT * FROM ${ident(storeName)}.main.${ident(table)}`);
  }
  const macros = tableMacros(files);
  const copied = new Set<string>();
  const copy = async (name: string, calledFrom: readonly string[]): Promise<void> => {
    if (copied.has(name)) return;
    if (calledFrom.includes(name)) throw new Error(`sandbox catalogue: macros call each other in a cycle: ${[...calledFrom, name].join(' → ')}`);
    const macro = macros.get(name)!;
    const ast = await parse(conn, name, macro.body);
    const calls = qualify(ast, store, macros, name);
    // A macro is created after those it calls: DuckDB checks at CREATE that a called table macro exists.
    for (const callee of calls) await copy(callee, [...calledFrom, name]);
    const body = String((await conn.runAndReadAll(query('duckdb', 'sandbox_unparse'), { ast: JSON.stringify(ast) })).getRows()[0]![0]);
    await conn.run(`CREATE OR REPLACE MACRO ${sandbox}.main.${ident(name)}(${macro.params}) AS TABLE ${body}`);
    copied.add(name);
  };
  for (const name of EXPOSED_TABLE_FUNCTIONS) if (macros.has(name)) await copy(name, []);
}

interface TableMacro {
  /** The parameter list as written in the file, defaults included. */
  params: string;
  body: string;
}

const TABLE_MACRO = /^CREATE\s+(?:OR\s+REPLACE\s+)?MACRO\s+(\w+)\s*\(([^()]*)\)\s+AS\s+TABLE\s+([\s\S]+)$/i;

/** The table macros that views/*.sql define, by lower-case name (scalar macros stay in the store). */
function tableMacros(files: readonly { name: string; sql: string }[]): Map<string, TableMacro> {
  const out = new Map<string, TableMacro>();
  for (const file of files) {
    for (const statement of statements(file.sql)) {
      if (!/^CREATE\s+(OR\s+REPLACE\s+)?MACRO\b/i.test(statement)) continue;
      const m = TABLE_MACRO.exec(statement);
      if (!m && !/\)\s*AS\s+TABLE\b/i.test(statement)) continue;
      // Fail loudly rather than leave the sandbox without a macro it exposes, or with a wrong copy.
      if (!m)
        throw new Error(
          `sandbox catalogue: cannot copy a macro of views/${file.name}.sql (only table macros with a plain parameter list): ${statement.slice(0, 80)}`,
        );
      const name = m[1]!.toLowerCase();
      if (out.has(name)) throw new Error(`sandbox catalogue: macro ${name} is defined twice (overloads are not copied)`);
      out.set(name, { params: m[2]!.trim(), body: m[3]! });
    }
  }
  return out;
}

type Obj = Record<string, unknown>;

async function parse(conn: DuckDBConnection, name: string, body: string): Promise<Obj> {
  const reader = await conn.runAndReadAll(query('duckdb', 'sandbox_parse'), { sql: body });
  const parsed = JSON.parse(String(reader.getRows()[0]![0])) as Obj & { error: boolean; error_message?: string };
  if (parsed.error) throw new Error(`sandbox catalogue: the body of macro ${name} does not parse as a SELECT: ${parsed.error_message}`);
  return parsed;
}

interface Store {
  name: string;
  relations: ReadonlySet<string>;
  scalarMacros: ReadonlySet<string>;
}

/**
 * Qualifies, in place, every store table the tree names, every call of a table macro to copy (with the
 * sandbox's catalogue) and every call of one of the store's scalar macros (with the store's: DuckDB runs
 * it there; a scalar macro whose body reads a table would still bind that table where it is called).
 * Returns the table macros it calls. A CTE named like a store table would change meaning once its readers
 * are qualified (they would read the table): refused rather than resolved by scope.
 */
function qualify(node: unknown, store: Store, macros: ReadonlyMap<string, TableMacro>, macro: string): Set<string> {
  const calls = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (value === null || typeof value !== 'object') return;
    const o = value as Obj;
    // Its "none" value is 2^64 - 1, which JSON.parse rounds into a double the deserializer refuses;
    // positions in the copied text mean nothing anyway.
    delete o.query_location;
    // Any other integer past 2^53 (a literal in the body) was rounded by JSON.parse: the copy would hold
    // another number than the file, silently. Refused instead.
    const rounded = Object.values(o).find((v) => typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v));
    if (rounded !== undefined)
      throw new Error(
        `sandbox catalogue: macro ${macro} holds an integer literal beyond 2^53 (about ${String(rounded)}), which the copy cannot carry exactly; write it as a cast string ('…'::BIGINT)`,
      );
    if (o.type === 'BASE_TABLE' && o.catalog_name === '' && (o.schema_name === '' || o.schema_name === 'main')) {
      if (store.relations.has(String(o.table_name).toLowerCase())) Object.assign(o, { catalog_name: store.name, schema_name: 'main' });
    }
    if (o.class === 'FUNCTION' && unqualified(o) && store.scalarMacros.has(String(o.function_name).toLowerCase())) {
      Object.assign(o, { catalog: store.name, schema: 'main' });
    }
    const fn = o.type === 'TABLE_FUNCTION' ? (o.function as Obj | undefined) : undefined;
    if (fn && unqualified(fn) && macros.has(String(fn.function_name).toLowerCase())) {
      Object.assign(fn, { catalog: SANDBOX_CATALOG, schema: 'main' });
      calls.add(String(fn.function_name).toLowerCase());
    }
    for (const entry of ((o.cte_map as Obj | undefined)?.map as Obj[] | undefined) ?? []) {
      if (store.relations.has(String(entry.key).toLowerCase()))
        throw new Error(`sandbox catalogue: macro ${macro} declares a CTE named like the store's table ${String(entry.key)}; rename it`);
    }
    Object.values(o).forEach(visit);
  };
  visit(node);
  return calls;
}

function unqualified(fn: Obj): boolean {
  return (fn.catalog ?? '') === '' && (fn.schema === '' || fn.schema === 'main');
}

function lowerSet(names: unknown): Set<string> {
  return new Set((names as unknown[]).map((n) => String(n).toLowerCase()));
}

function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
