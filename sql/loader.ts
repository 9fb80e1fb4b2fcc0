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
