import { stringify } from 'csv-stringify/sync';
import { Bool, Float64, Int64, makeVector, Table, tableToIPC, Utf8, vectorFromArray, type Vector } from 'apache-arrow';
import type { Request, Response } from 'express';
import { CarrelloError } from '../../errors/carrelloError.ts';

/** A tabular view of an answer, for CSV and Arrow. Column order is the order given (or of the first row). */
export interface Tabular {
  columns?: string[];
  rows: Record<string, unknown>[];
}

export interface Answer {
  /** The JSON answer. */
  json: unknown;
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

export function send(req: Request, res: Response, answer: Answer, format: Format = negotiate(req)): void {
  if (format === 'json' || !answer.table) {
    res.json(answer.json);
    return;
  }
  const columns = answer.table.columns ?? Object.keys(answer.table.rows[0] ?? {});
  if (format === 'csv') {
    res.type('text/csv; charset=utf-8').send(toCsv(columns, answer.table.rows));
    return;
  }
  res.type(ARROW_STREAM).send(Buffer.from(toArrowIpc(columns, answer.table.rows)));
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

function csvCell(v: unknown, typed: boolean): unknown {
  if (v === null || v === undefined) return '';
  const text = typeof v === 'object' ? JSON.stringify(v) : v;
  return typeof text === 'string' && !typed && FORMULA_START.test(text) ? `'${text}` : text;
}

/**
 * Arrow IPC stream. Column types come from the values: integers (money, counts) become Int64,
 * other numbers Float64, booleans Bool, everything else Utf8 (objects as JSON text).
 */
export function toArrowIpc(columns: string[], rows: Record<string, unknown>[]): Uint8Array {
  const vectors: Record<string, Vector> = {};
  for (const c of columns) vectors[c] = column(rows.map((r) => r[c]));
  return tableToIPC(new Table(vectors), 'stream');
}

function column(values: unknown[]): Vector {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length > 0 && present.every((v) => typeof v === 'boolean')) {
    return vectorFromArray(values.map((v) => (v ?? null) as boolean | null), new Bool());
  }
  if (present.length > 0 && present.every((v) => typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v)))) {
    return vectorFromArray(values.map((v) => (v === null || v === undefined ? null : BigInt(v as number))), new Int64());
  }
  if (present.length > 0 && present.every((v) => typeof v === 'number')) {
    return vectorFromArray(values.map((v) => (v ?? null) as number | null), new Float64());
  }
  return makeVector(vectorFromArray(values.map((v) => (v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : String(v))), new Utf8()));
}
