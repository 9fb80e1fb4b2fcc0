import {
  type DuckDBArrayType,
  type DuckDBBlobValue,
  type DuckDBDateValue,
  type DuckDBDecimalValue,
  type DuckDBListType,
  type DuckDBStructType,
  type DuckDBTimestampMillisecondsValue,
  type DuckDBTimestampNanosecondsValue,
  type DuckDBTimestampSecondsValue,
  type DuckDBTimestampTZValue,
  type DuckDBTimestampValue,
  DuckDBTypeId,
  JsonDuckDBValueConverter,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { ColumnType } from '../warehouse.ts';
import { CarrelloError } from '../../errors/carrelloError.ts';

/** Reads one column's DuckDB values into the engine-neutral shapes of ReadOnlyResult (sql/warehouse.ts). */
export interface ColumnReader {
  type: ColumnType;
  read(value: DuckDBValue): unknown;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const DAY_MS = 86_400_000;
/** The range of a JS Date; timestamps beyond it (DuckDB's infinities) read as null. */
const MAX_MS = 8.64e15;

export function columnReader(t: DuckDBType, column: string): ColumnReader {
  switch (t.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return { type: { kind: 'boolean' }, read: (v) => v };
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
      return { type: { kind: 'int32' }, read: (v) => v };
    case DuckDBTypeId.UINTEGER:
      return { type: { kind: 'int64' }, read: (v) => (v === null ? null : BigInt(v as number)) };
    case DuckDBTypeId.BIGINT:
      return { type: { kind: 'int64' }, read: (v) => v };
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      // sum() of a BIGINT is a HUGEINT; money sums fit 64 bits by far, and Arrow readers want Int64.
      return { type: { kind: 'int64' }, read: (v) => (v === null ? null : int64(v as bigint, column, t)) };
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return { type: { kind: 'float64' }, read: (v) => v };
    case DuckDBTypeId.DECIMAL:
      return { type: { kind: 'float64' }, read: (v) => (v === null ? null : (v as DuckDBDecimalValue).toDouble()) };
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return { type: { kind: 'timestamp' }, read: (v) => (v === null ? null : ms((v as DuckDBTimestampValue | DuckDBTimestampTZValue).micros, 1000n)) };
    case DuckDBTypeId.TIMESTAMP_MS:
      return { type: { kind: 'timestamp' }, read: (v) => (v === null ? null : ms((v as DuckDBTimestampMillisecondsValue).millis, 1n)) };
    case DuckDBTypeId.TIMESTAMP_S:
      return { type: { kind: 'timestamp' }, read: (v) => (v === null ? null : ms((v as DuckDBTimestampSecondsValue).seconds * 1000n, 1n)) };
    case DuckDBTypeId.TIMESTAMP_NS:
      return { type: { kind: 'timestamp' }, read: (v) => (v === null ? null : ms((v as DuckDBTimestampNanosecondsValue).nanos, 1_000_000n)) };
    case DuckDBTypeId.DATE:
      return { type: { kind: 'date' }, read: (v) => (v === null || !(v as DuckDBDateValue).isFinite ? null : (v as DuckDBDateValue).days * DAY_MS) };
    case DuckDBTypeId.BLOB:
      return { type: { kind: 'binary' }, read: (v) => (v === null ? null : (v as DuckDBBlobValue).bytes) };
    case DuckDBTypeId.VARCHAR:
      return { type: { kind: 'string' }, read: (v) => v };
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const item = columnReader((t as DuckDBListType | DuckDBArrayType).valueType, column);
      return {
        type: { kind: 'list', item: item.type },
        read: (v) => (v === null ? null : (v as { items: readonly DuckDBValue[] }).items.map((x) => item.read(x))),
      };
    }
    case DuckDBTypeId.STRUCT: {
      const st = t as DuckDBStructType;
      const fields = st.entryNames.map((name, i) => ({ name, reader: columnReader(st.entryTypes[i]!, column) }));
      return {
        type: { kind: 'struct', fields: fields.map((f) => ({ name: f.name, type: f.reader.type })) },
        read: (v) => {
          if (v === null) return null;
          const entries = (v as { entries: Readonly<Record<string, DuckDBValue>> }).entries;
          return Object.fromEntries(fields.map((f) => [f.name, f.reader.read(entries[f.name] ?? null)]));
        },
      };
    }
    case DuckDBTypeId.UUID:
    case DuckDBTypeId.ENUM:
    case DuckDBTypeId.INTERVAL:
    case DuckDBTypeId.TIME:
    case DuckDBTypeId.TIME_TZ:
    case DuckDBTypeId.BIT:
      return { type: { kind: 'string' }, read: (v) => (v === null ? null : String(v)) };
    default:
      // MAP, UNION, VARIANT, ...: their JSON form, the same in every representation.
      return { type: { kind: 'json' }, read: (v) => (v === null ? null : JsonDuckDBValueConverter(v, t, JsonDuckDBValueConverter)) };
  }
}

function int64(v: bigint, column: string, t: DuckDBType): bigint {
  if (v < INT64_MIN || v > INT64_MAX) {
    throw new CarrelloError(
      'sql_value_out_of_range',
      `column ${JSON.stringify(column)} (${t.toString()}) holds ${v}, beyond 64 bits; CAST it to VARCHAR or DOUBLE`,
      { column },
    );
  }
  return v;
}

/** Epoch milliseconds, rounded down; infinities and out-of-range instants become null. */
function ms(units: bigint, perMs: bigint): number | null {
  let q = units / perMs;
  if (units % perMs !== 0n && units < 0n) q -= 1n;
  const n = Number(q);
  return Math.abs(n) > MAX_MS ? null : n;
}

/** A rough size of a value read, to bound the memory an answer holds. */
export function approxBytes(v: unknown): number {
  if (v === null || v === undefined) return 1;
  if (typeof v === 'string') return v.length;
  if (v instanceof Uint8Array) return v.byteLength;
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + approxBytes(x), 8);
  if (typeof v === 'object') return Object.values(v).reduce((n: number, x) => n + approxBytes(x), 8);
  return 8;
}
