import { stringify } from 'csv-stringify/sync';
import {
  Bool,
  DateDay,
  Field,
  Float64,
  Int64,
  List,
  makeVector,
  Table,
  tableToIPC,
  TimestampMillisecond,
  Utf8,
  vectorFromArray,
  type DataType,
  type Vector,
} from 'apache-arrow';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { CarrelloError } from '../../errors/carrelloError.ts';

/** A tabular view of an answer, for CSV and Arrow. Column order is the order given (or of the first row). */
export interface Tabular {
  columns?: string[];
  rows: Record<string, unknown>[];
}

/**
 * The columns of a route's table (CSV, Arrow), as zod: what gives each its Arrow type (see arrowColumn). A
 * column the shape does not name takes the catchall's type, or else is typed from its values.
 */
export type TableRow = z.ZodObject<z.ZodRawShape>;

export interface Answer<J = unknown> {
  /** The JSON answer: what the route's `response` schema describes. */
  json: J;
  /** The same answer as a table; endpoints without one answer JSON only. */
  table?: Tabular;
}

export const FORMATS = ['json', 'csv', 'arrow'] as const;
export type Format = (typeof FORMATS)[number];

export const ARROW_STREAM = 'application/vnd.apache.arrow.stream';

const MEDIA_TYPES: Record<Format, string> = { json: 'application/json', csv: 'text/csv', arrow: ARROW_STREAM };

/**
 * The representation to answer in, among those `offered` (JSON first: the default). `?format=` wins, and
 * a value not offered is refused (400 naming it) rather than answered in JSON as if it had been asked for;
 * otherwise the Accept header, q-values and wildcards honoured by express's content negotiation. An
 * Accept that allows none of them is 406, before any work is done.
 */
export function negotiate(req: Request, offered: readonly Format[] = FORMATS): Format {
  const asked = req.query.format;
  if (asked !== undefined) {
    const f = offered.find((o) => o === asked);
    if (f) return f;
    const field = 'format';
    const message = `unknown format ${JSON.stringify(asked)}; one of ${offered.join(', ')}`;
    throw new CarrelloError('invalid_request', `query ${field}: ${message}`, { errors: [{ in: 'query', field, message }], formats: offered });
  }
  const types = offered.map((f) => MEDIA_TYPES[f]);
  const chosen = req.accepts(types);
  if (chosen === false) {
    throw new CarrelloError('not_acceptable', `no representation matches Accept: ${req.headers.accept}; this answer is offered as ${types.join(', ')}`, {
      accept: req.headers.accept,
      offered: types,
    });
  }
  return offered[types.indexOf(chosen)]!;
}

export function send(req: Request, res: Response, answer: Answer, format: Format = negotiate(req), row?: TableRow): void {
  if (format === 'json' || !answer.table) {
    res.json(answer.json);
    return;
  }
  const columns = answer.table.columns ?? Object.keys(answer.table.rows[0] ?? {});
  if (format === 'csv') {
    res.type('text/csv; charset=utf-8').send(toCsv(columns, answer.table.rows));
    return;
  }
  res.type(ARROW_STREAM).send(Buffer.from(toArrowIpc(columns, answer.table.rows, row)));
}

/**
 * CSV with a header row. Text cells that a spreadsheet would run as a formula (starting with `=`, `+`,
 * `-`, `@`, tab or carriage return) are prefixed with a single quote, as OWASP recommends against CSV
 * injection: a product name is the shop's (or an attacker's) text, and the file is opened by marketing.
 * Whether a cell is text is decided by its type, never by its look: a number stays a number (`-5`), and so
 * does every value of a column named in `typed` (a SQL answer's numbers, times and booleans, which may
 * come as strings: 64-bit integers beyond 2^53, ISO times).
 */
export function toCsv(columns: string[], rows: Record<string, unknown>[], typed: ReadonlySet<string> = new Set()): string {
  return stringify(
    rows.map((r) => columns.map((c) => csvCell(r[c], typed.has(c)))),
    { header: true, columns, record_delimiter: 'unix' },
  );
}

const FORMULA_START = /^[=+\-@\t\r]/;

/** The items of a list cell (a cart's product ids, say), as one cell. */
export const LIST_SEPARATOR = '; ';

function csvCell(v: unknown, typed: boolean): unknown {
  if (v === null || v === undefined) return '';
  const text = Array.isArray(v) ? v.map((x) => x ?? '').join(LIST_SEPARATOR) : typeof v === 'object' ? JSON.stringify(v) : v;
  return typeof text === 'string' && !typed && FORMULA_START.test(text) ? `'${text}` : text;
}

/**
 * Arrow IPC stream. A column `row` declares is typed by its declaration (arrowColumn: instants as
 * Timestamp(ms, UTC), days as Date32, lists as List, integers as Int64), so an empty or all-null column
 * keeps its type; any other from its values: integers (money, counts) Int64, other numbers Float64,
 * booleans Bool, everything else Utf8 (objects as JSON text).
 */
export function toArrowIpc(columns: string[], rows: Record<string, unknown>[], row?: TableRow): Uint8Array {
  const vectors: Record<string, Vector> = {};
  const catchall = row?._zod.def.catchall;
  for (const c of columns) {
    const declared = row?.shape[c] ?? (catchall && !(catchall instanceof z.ZodNever) ? catchall : undefined);
    const typed = declared ? arrowColumn(declared as z.ZodType) : null;
    const values = rows.map((r) => r[c]);
    vectors[c] = typed
      ? vectorFromArray(
          values.map((v) => (v === null || v === undefined ? null : typed.value(v))),
          typed.type,
        )
      : column(values);
  }
  return tableToIPC(new Table(vectors), 'stream');
}

interface ArrowColumn {
  type: DataType;
  /** A JSON value of the column as the Arrow builder takes it. */
  value: (v: unknown) => unknown;
}

/** The Arrow type of a zod declaration, or null for one Arrow has no better type for than the values'. */
export function arrowColumn(schema: z.ZodType): ArrowColumn | null {
  const def = schema._zod.def as { type: string; innerType?: z.ZodType; element?: z.ZodType; format?: string };
  switch (def.type) {
    case 'nullable':
    case 'optional':
    case 'default':
      return arrowColumn(def.innerType!);
    case 'boolean':
      return { type: new Bool(), value: (v) => v };
    case 'number':
      return def.format === 'safeint' || def.format === 'int32'
        ? { type: new Int64(), value: (v) => BigInt(v as number) }
        : { type: new Float64(), value: (v) => v };
    case 'string':
      if (def.format === 'datetime') return { type: new TimestampMillisecond('UTC'), value: (v) => Date.parse(v as string) };
      if (def.format === 'date') return { type: new DateDay(), value: (v) => Date.parse(`${v as string}T00:00:00Z`) };
      return { type: new Utf8(), value: (v) => String(v) };
    case 'enum':
    case 'literal':
      return { type: new Utf8(), value: (v) => String(v) };
    case 'array': {
      const item = arrowColumn(def.element!);
      if (!item) return null;
      return {
        type: new List(new Field('item', item.type, true)),
        value: (v) => (v as unknown[]).map((x) => (x === null || x === undefined ? null : item.value(x))),
      };
    }
    default:
      return null;
  }
}

function column(values: unknown[]): Vector {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length > 0 && present.every((v) => typeof v === 'boolean')) {
    return vectorFromArray(
      values.map((v) => (v ?? null) as boolean | null),
      new Bool(),
    );
  }
  if (present.length > 0 && present.every((v) => typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v)))) {
    return vectorFromArray(
      values.map((v) => (v === null || v === undefined ? null : BigInt(v as number))),
      new Int64(),
    );
  }
  if (present.length > 0 && present.every((v) => typeof v === 'number')) {
    return vectorFromArray(
      values.map((v) => (v ?? null) as number | null),
      new Float64(),
    );
  }
  return makeVector(
    vectorFromArray(
      values.map((v) => (v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : String(v))),
      new Utf8(),
    ),
  );
}
