import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Dialect = 'duckdb' | 'clickhouse';

const root = dirname(fileURLToPath(import.meta.url));
const cache = new Map<string, string>();

/** Loads a named query (`sql/<dialect>/queries/<name>.sql`). SQL lives in files, never built from user strings. */
export function query(dialect: Dialect, name: string): string {
  const key = `${dialect}/${name}`;
  let sql = cache.get(key);
  if (sql === undefined) {
    sql = readFileSync(join(root, dialect, 'queries', `${name}.sql`), 'utf8');
    cache.set(key, sql);
  }
  return sql;
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Migrations are `NNN_name.sql` files, applied in version order, each once. */
export function migrations(dialect: Dialect): Migration[] {
  const dir = join(root, dialect, 'migrations');
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f.slice(4, -4), sql: readFileSync(join(dir, f), 'utf8') }));
}

/**
 * Derived views (table macros, views) in `sql/<dialect>/views/*.sql`: re-created on every start with
 * CREATE OR REPLACE, so they always match the code that queries them.
 */
export function views(dialect: Dialect): { name: string; sql: string }[] {
  const dir = join(root, dialect, 'views');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => ({ name: f.slice(0, -4), sql: readFileSync(join(dir, f), 'utf8') }));
}

/**
 * Splits a file into its statements, on the semicolons that end them outside quotes and comments:
 * ClickHouse takes one statement per request. Comment-only pieces are dropped.
 */
export function statements(sql: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (quote) {
      current += c;
      if (c === '\\') current += sql[++i] ?? '';
      else if (c === quote) quote = null;
    } else if (c === "'" || c === '"' || c === '`') {
      quote = c;
      current += c;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end - 1;
    } else if (c === ';') {
      out.push(current);
      current = '';
    } else current += c;
  }
  out.push(current);
  return out.map((s) => s.trim()).filter((s) => s.length > 0);
}

/** The cluster variant of a dialect's DDL (`sql/<dialect>/cluster/*.sql`), applied by operators by hand. */
export function clusterDdl(dialect: Dialect): { name: string; sql: string }[] {
  const dir = join(root, dialect, 'cluster');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => ({ name: f.slice(0, -4), sql: readFileSync(join(dir, f), 'utf8') }));
}
