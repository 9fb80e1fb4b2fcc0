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
  /** Always NULL: a column of a UNION that rows of this kind leave empty. */
  none: () =>
    column(z.null(), (v) => {
      if (v === null) return null;
      throw new TypeError(`expected NULL, got ${JSON.stringify(v)}`);
    }),
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

/** A row: one strict object, or (rows of several kinds in one answer) a union of them told apart by one column. */
type RowSchema = z.ZodType<Record<string, unknown>, unknown>;

export interface ReadDeclaration<P extends ParamShape = ParamShape, R extends RowSchema = RowSchema, A extends Answer = Answer> {
  kind: 'read';
  answer: A;
  params: z.ZodObject<P, z.core.$strict>;
  row: R;
  /** The row's kinds: one shape, or one per value of the `by` column. */
  shapes: readonly Shape[];
  by: string | null;
  reads: readonly Model[];
}

/** A statement that changes the store: run through NamedWriter.writeNamed or by the adapter itself. */
export interface WriteDeclaration<P extends ParamShape = ParamShape> {
  kind: 'write';
  params: z.ZodObject<P, z.core.$strict>;
  reads: readonly Model[];
}

export type Declaration = ReadDeclaration | WriteDeclaration;

function convertible(shape: Shape): void {
  for (const [name, schema] of Object.entries(shape)) {
    if (!converters.has(schema)) throw new Error(`column ${name}: declare it with col.*, which knows how to convert it`);
  }
}

export function read<P extends ParamShape, R extends Shape, A extends Answer = 'rows'>(d: {
  params: P;
  row: R;
  reads: readonly Model[];
  answer?: A;
}): ReadDeclaration<P, z.ZodObject<R, z.core.$strict>, A> {
  convertible(d.row);
  return {
    kind: 'read',
    answer: d.answer ?? ('rows' as A),
    params: z.strictObject(d.params),
    row: z.strictObject(d.row),
    shapes: [d.row],
    by: null,
    reads: d.reads,
  };
}

/**
 * A read whose answer holds rows of two kinds (e.g. the page's carts and the totals), told apart by the
 * column `by` (a col.oneOf in each): the rows are typed as the union, narrowed by that column.
 */
export function readEither<P extends ParamShape, K extends string, A extends Shape & Record<K, z.ZodEnum>, B extends Shape & Record<K, z.ZodEnum>>(d: {
  params: P;
  by: K;
  rows: [A, B];
  reads: readonly Model[];
}): ReadDeclaration<P, z.ZodDiscriminatedUnion<[z.ZodObject<A, z.core.$strict>, z.ZodObject<B, z.core.$strict>]>, 'rows'> {
  d.rows.forEach(convertible);
  const row = z.discriminatedUnion(d.by, [z.strictObject(d.rows[0]), z.strictObject(d.rows[1])]);
  return { kind: 'read', answer: 'rows', params: z.strictObject(d.params), row, shapes: d.rows, by: d.by, reads: d.reads };
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
    const columnsOf = (shape: Shape) => Object.entries(shape).map(([k, s]) => [k, converters.get(s)!] as const);
    const only = d.by === null ? columnsOf(d.shapes[0]!) : null;
    // By the value of the `by` column: the columns of the kind it names.
    const byValue = new Map<unknown, ReturnType<typeof columnsOf>>();
    for (const shape of d.by === null ? [] : d.shapes) for (const v of (shape[d.by!] as z.ZodEnum).options) byValue.set(v, columnsOf(shape));
    f = (raw) =>
      raw.map((r) => {
        const out: Record<string, unknown> = {};
        const cols = only ?? byValue.get(r[d.by!]);
        if (cols === undefined) throw new TypeError(`column ${d.by} holds ${JSON.stringify(r[d.by!])}, no kind of row declared`);
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
    throw new Error(
      `named query ${name}: a row does not fit its declaration (sql/catalogue/): ${err instanceof z.ZodError ? z.prettifyError(err) : (err as Error).message}`,
      { cause: err },
    );
  }
}
