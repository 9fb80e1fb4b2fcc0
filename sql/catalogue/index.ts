import { z } from 'zod';
import { analysisQueries } from './analyses.ts';
import type { Model } from './define.ts';
import { lifecycleQueries } from './lifecycle.ts';
import { storeQueries } from './store.ts';

export { col, param, PARSE_AT_MOST, rowsOf, type Answer, type Declaration, type Model, type ReadDeclaration, type WriteDeclaration } from './define.ts';
export { engineStatements } from './store.ts';
export { QUANTITY_DIRECTIONS, RECOVERY_DIMS } from './analyses.ts';

/**
 * Every named query of both dialects (sql/duckdb/queries/NAME.sql and sql/clickhouse/queries/NAME.sql):
 * its parameters, its row shape, the derived models it reads, and whether it reads or writes.
 * catalogue.unit.test.ts holds it equal to the files; test/parity.catalogue.int.test.ts runs every read on
 * both engines and parses the rows.
 */
export const catalogue = { ...analysisQueries, ...lifecycleQueries, ...storeQueries };

type Catalogue = typeof catalogue;
export type QueryName = keyof Catalogue;
/** Queries answered as rows through Warehouse.query. */
export type ReadName = { [N in QueryName]: Catalogue[N] extends { kind: 'read'; answer: 'rows' } ? N : never }[QueryName];
/** Queries answered column by column through Warehouse.queryColumns. */
export type ColumnsName = { [N in QueryName]: Catalogue[N] extends { kind: 'read'; answer: 'columns' } ? N : never }[QueryName];
export type WriteName = { [N in QueryName]: Catalogue[N]['kind'] extends 'write' ? N : never }[QueryName];
export type ParamsOf<N extends QueryName> = z.input<Catalogue[N]['params']>;
export type RowOf<N extends QueryName> = Catalogue[N] extends { kind: 'read'; row: infer R extends z.ZodType } ? z.output<R> : never;
/** Reads that take no parameters: called by name alone. */
export type BareReadName = { [N in ReadName]: Record<string, never> extends ParamsOf<N> ? N : never }[ReadName];

/**
 * A query's parameters checked against its declaration (strictly: an undeclared one fails, as DuckDB would
 * refuse it) and ready to bind; throws naming the query.
 */
export function paramsOf(name: QueryName, params: unknown = {}): Record<string, string | number | boolean | null> {
  const parsed = catalogue[name].params.safeParse(params);
  if (!parsed.success) throw new Error(`named query ${name}: parameters do not fit its declaration (sql/catalogue/): ${z.prettifyError(parsed.error)}`);
  const out: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(parsed.data)) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * Of a bag of parameters shared by several statements (writeNamed runs them in turn with one bag), those
 * this one declares, checked: DuckDB refuses a parameter the statement does not name.
 */
export function ownParamsOf(name: QueryName, params: Record<string, unknown>): Record<string, string | number | boolean | null> {
  return paramsOf(
    name,
    Object.fromEntries(
      Object.keys(catalogue[name].params.shape)
        .filter((k) => k in params)
        .map((k) => [k, params[k]]),
    ),
  );
}

/** Whether a query reads one of the models an adapter keeps (and so must refresh before it). */
export function readsAny(name: QueryName, kept: ReadonlySet<Model>): boolean {
  return catalogue[name].reads.some((m) => kept.has(m));
}
