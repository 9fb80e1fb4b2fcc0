import { Table, tableToIPC } from 'apache-arrow';
import type { Request, Response } from 'express';
import { arrowSchema, recordBatch } from '../../sql/arrow.ts';
import type { ColumnType, ReadOnlyLimits, ReadOnlyResult } from '../../sql/warehouse.ts';
import { ARROW_STREAM, negotiate, toCsv } from './formats.ts';

/**
 * Serves a typed query result as JSON, CSV or Arrow. Unlike formats.ts (types guessed from values),
 * every representation follows the engine's column types, so an empty or all-null column keeps its type.
 *
 * Truncation is said in every format: `truncated`/`truncated_by` in JSON, the `Carrello-Truncated`
 * header always, and `carrello.truncated` in the Arrow schema metadata.
 */
export function sendResult(req: Request, res: Response, result: ReadOnlyResult, limits: ReadOnlyLimits): void {
  const truncated = result.truncated !== false;
  const truncatedBy = result.truncated === false ? null : result.truncated;
  res.setHeader('Carrello-Row-Count', String(result.rowCount));
  res.setHeader('Carrello-Truncated', truncatedBy ?? 'false');
  res.setHeader('Carrello-Row-Limit', String(limits.maxRows));
  const format = negotiate(req);
  if (format === 'arrow') {
    const metadata = new Map([
      ['carrello.truncated', truncatedBy ?? 'false'],
      ['carrello.row_limit', String(limits.maxRows)],
    ]);
    const schema = arrowSchema(result.columns, metadata);
    const batch = recordBatch(
      schema,
      result.columns.map((c) => c.type),
      result.values,
      result.rowCount,
    );
    res.type(ARROW_STREAM).send(Buffer.from(tableToIPC(new Table(batch), 'stream')));
    return;
  }
  const names = result.columns.map((c) => c.name);
  const rows = rowObjects(result);
  if (format === 'csv') {
    const typed = new Set(result.columns.filter((c) => TYPED_KINDS.has(c.type.kind)).map((c) => c.name));
    res.type('text/csv; charset=utf-8').send(toCsv(names, rows, typed));
    return;
  }
  res.json({
    columns: result.columns.map((c) => ({ name: c.name, type: c.engine_type })),
    rows,
    row_count: result.rowCount,
    truncated,
    truncated_by: truncatedBy,
    limits: { max_rows: limits.maxRows, max_bytes: limits.maxBytes, timeout_ms: limits.timeoutMs },
    elapsed_ms: result.elapsedMs,
  });
}

/** Column kinds whose CSV cells are values, never text a spreadsheet could run (see toCsv). */
const TYPED_KINDS: ReadonlySet<ColumnType['kind']> = new Set(['boolean', 'int32', 'int64', 'float64', 'timestamp', 'date']);

function rowObjects(result: ReadOnlyResult): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (let r = 0; r < result.rowCount; r++) {
    const row: Record<string, unknown> = {};
    result.columns.forEach((c, i) => {
      row[c.name] = jsonValue(c.type, result.values[i]![r]);
    });
    rows.push(row);
  }
  return rows;
}

/**
 * JSON for one value: 64-bit integers as numbers while exact (|n| ≤ 2^53 − 1), as strings beyond;
 * timestamps as ISO-8601 UTC with milliseconds; dates as YYYY-MM-DD; binary as base64.
 */
export function jsonValue(t: ColumnType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (t.kind) {
    case 'int64':
      return (v as bigint) >= BigInt(Number.MIN_SAFE_INTEGER) && (v as bigint) <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : String(v);
    case 'timestamp':
      return new Date(v as number).toISOString();
    case 'date':
      return new Date(v as number).toISOString().slice(0, 10);
    case 'binary':
      return Buffer.from(v as Uint8Array).toString('base64');
    case 'float64':
      return Number.isFinite(v) ? v : null;
    case 'list':
      return (v as unknown[]).map((x) => jsonValue(t.item, x));
    case 'struct':
      return Object.fromEntries(t.fields.map((f) => [f.name, jsonValue(f.type, (v as Record<string, unknown>)[f.name])]));
    default:
      return v;
  }
}
