import { z } from 'zod';

/**
 * The derived models a named query may read. Each adapter keeps some of them up to date on demand and
 * refreshes before a query whose `reads` names one it keeps (DuckDB keeps all four in one refresh;
 * ClickHouse folds carts and lines, and answers product names and funnels from events it never folds).
 * - `replay`: the per-event replay of every cart (DuckDB cart_replay);
 * - `carts`: one row per cart, its milestones and state (DuckDB cart_model; ClickHouse cart_folds);
 * - `lines`: one row per cart line (DuckDB line_model; ClickHouse cart_line_folds);
 * - `products`: the products' names and categories as of an instant (DuckDB product_model).
 */
export type Model = 'replay' | 'carts' | 'lines' | 'products';

/**
 * How an engine's value of a column becomes the row's value, without zod: the fast path of large answers
 * (see `rowsOf`). Every column builder below registers one, the same function its zod schema transforms with.
 */
const converters = new WeakMap<z.ZodType, (v: unknown) => unknown>();

function column<S extends z.ZodType>(schema: S, convert: (v: unknown) => z.output<S>): S {
  converters.set(schema, convert);
  return schema;
}

const INTEGER = /^-?\d+$/;

function toInt(v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if ((typeof v === 'string' && INTEGER.test(v)) || typeof v === 'bigint') return Number(v);
  throw new TypeError(`expected an integer, got ${JSON.stringify(typeof v === 'bigint' ? String(v) : v)}`);
}
function toNum(v: unknown): number {
  if (typeof v === 'number') return v;
  throw new TypeError(`expected a number, got ${JSON.stringify(v)}`);
}
function toText(v: unknown): string {
  if (typeof v === 'string') return v;
  throw new TypeError(`expected a string, got ${JSON.stringify(v)}`);
}
function toBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 0 || v === 1) return v === 1;
  throw new TypeError(`expected a boolean, got ${JSON.stringify(v)}`);
}
function orNull<T>(f: (v: unknown) => T): (v: unknown) => T | null {
  return (v) => (v === null ? null : f(v));
}

// Engines give 64-bit integers as strings (DuckDB's JSON rows, ClickHouse's JSONEachRow) and narrower ones
// as numbers; ClickHouse gives booleans of comparisons as 0/1. Rows always hold numbers and booleans.
const intIn = () => z.union([z.number().int(), z.string().regex(INTEGER), z.bigint()]);
const boolIn = () => z.union([z.boolean(), z.literal(0), z.literal(1)]);

/** Column types of a row declaration. Times are epoch milliseconds (UTC) as integers, `…_ms` or `…_at` by name. */
export const col = {
  /** An integer (counts, money in minor units, sequence numbers, epoch milliseconds): exact up to 2^53. */
  int: () => column(intIn().transform(toInt), toInt),
  intOrNull: () => column(intIn().transform(toInt).nullable(), orNull(toInt)),
  /** A double (medians, rates). */
  num: () => column(z.number(), toNum),
  numOrNull: () => column(z.number().nullable(), orNull(toNum)),
  text: () => column(z.string(), toText),
  textOrNull: () => column(z.string().nullable(), orNull(toText)),
  bool: () => column(boolIn().transform(toBool), toBool),
  boolOrNull: () => column(boolIn().transform(toBool).nullable(), orNull(toBool)),
  /** One of the given strings. */
  oneOf: <const T extends readonly [string, ...string[]]>(values: T) => {
    const allowed = new Set<string>(values);
    return column(z.enum(values), (v) => {
      if (typeof v === 'string' && allowed.has(v)) return v as T[number];
      throw new TypeError(`expected one of ${values.join(', ')}, got ${JSON.stringify(v)}`);
    });
  },
};

/** Parameters: integers bind as BIGINT / Int64, texts and JSON arrays (as text) as strings. */
export const param = {
  int: () => z.number().int(),
  intOrNull: () => z.number().int().nullable(),
  text: () => z.string(),
  textOrNull: () => z.string().nullable(),
  bool: () => z.boolean(),
  /** A JSON array of strings, as text (JSON.stringify of the array): one parameter on both engines. */
  jsonList: () => z.string(),
};

type Shape = Record<string, z.ZodType>;
// Optional only where one dialect takes a parameter the other does not (statements the adapters run themselves).
type ParamShape = Record<string, z.ZodType<string | number | boolean | null | undefined>>;

/**
 * How a read's answer comes back: `rows` through Warehouse.query (checked against `row`), `columns`
 * through Warehouse.queryColumns (numbers and texts column by column; ClickHouse groups them), `stream`
 * read by the adapter's export in the engine's own format.
 */
export type Answer = 'rows' | 'columns' | 'stream';

export interface ReadDeclaration<P extends ParamShape = ParamShape, R extends Shape = Shape, A extends Answer = Answer> {
  kind: 'read';
  answer: A;
  params: z.ZodObject<P, z.core.$strict>;
  row: z.ZodObject<R, z.core.$strict>;
  reads: readonly Model[];
}

/** A statement that changes the store: run through NamedWriter.writeNamed or by the adapter itself. */
export interface WriteDeclaration<P extends ParamShape = ParamShape> {
  kind: 'write';
  params: z.ZodObject<P, z.core.$strict>;
  reads: readonly Model[];
}

export type Declaration = ReadDeclaration | WriteDeclaration;

export function read<P extends ParamShape, R extends Shape, A extends Answer = 'rows'>(d: { params: P; row: R; reads: readonly Model[]; answer?: A }): ReadDeclaration<P, R, A> {
  for (const [name, schema] of Object.entries(d.row)) {
    if (!converters.has(schema)) throw new Error(`column ${name}: declare it with col.*, which knows how to convert it`);
  }
  return { kind: 'read', answer: d.answer ?? ('rows' as A), params: z.strictObject(d.params), row: z.strictObject(d.row), reads: d.reads };
}

export function write<P extends ParamShape>(d: { params: P; reads?: readonly Model[] }): WriteDeclaration<P> {
  return { kind: 'write', params: z.strictObject(d.params), reads: d.reads ?? [] };
}

/**
 * Answers of at most this many rows are parsed with zod, strictly (an undeclared column fails), in every
 * process: it costs little next to the query. Larger answers are converted column by column with the same
 * functions, unless the store was opened with `checkRows` (tests do): a large answer pays no zod per row.
 */
export const PARSE_AT_MOST = 1_000;

const fastRows = new WeakMap<ReadDeclaration, (raw: readonly Record<string, unknown>[]) => unknown[]>();

function fastConverter(d: ReadDeclaration): (raw: readonly Record<string, unknown>[]) => unknown[] {
  let f = fastRows.get(d);
  if (!f) {
    const cols = Object.entries(d.row.shape).map(([k, s]) => [k, converters.get(s)!] as const);
    f = (raw) =>
      raw.map((r) => {
        const out: Record<string, unknown> = {};
        for (const [k, convert] of cols) {
          const v = r[k];
          if (v === undefined) throw new TypeError(`column ${k} is missing`);
          out[k] = convert(v);
        }
        return out;
      });
    fastRows.set(d, f);
  }
  return f;
}

/** An engine's rows as the declaration types them (see PARSE_AT_MOST); throws naming the query when they do not fit. */
export function rowsOf<D extends ReadDeclaration>(name: string, d: D, raw: readonly Record<string, unknown>[], strict: boolean): z.output<D['row']>[] {
  try {
    if (strict || raw.length <= PARSE_AT_MOST) return z.array(d.row).parse(raw) as z.output<D['row']>[];
    return fastConverter(d)(raw) as z.output<D['row']>[];
  } catch (err) {
    throw new Error(`named query ${name}: a row does not fit its declaration (sql/catalogue/): ${err instanceof z.ZodError ? z.prettifyError(err) : (err as Error).message}`, { cause: err });
  }
}
