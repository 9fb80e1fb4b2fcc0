import {
  AsyncByteQueue,
  Binary,
  Bool,
  DateDay,
  Field,
  Float64,
  Int32,
  Int64,
  List,
  makeData,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  Timestamp,
  TimeUnit,
  Utf8,
  vectorFromArray,
  type DataType,
} from 'apache-arrow';
import type { ColumnType } from './warehouse.ts';

/**
 * Arrow for the engine-neutral column types: money and counts Int64, times TimestampMillisecond UTC,
 * dates Date32, lists and structs nested, JSON values as JSON text (Utf8).
 */
export function arrowType(t: ColumnType): DataType {
  switch (t.kind) {
    case 'boolean':
      return new Bool();
    case 'int32':
      return new Int32();
    case 'int64':
      return new Int64();
    case 'float64':
      return new Float64();
    case 'timestamp':
      return new Timestamp(TimeUnit.MILLISECOND, 'UTC');
    case 'date':
      return new DateDay();
    case 'binary':
      return new Binary();
    case 'string':
    case 'json':
      return new Utf8();
    case 'list':
      return new List(new Field('item', arrowType(t.item), true));
    case 'struct':
      return new Struct(t.fields.map((f) => new Field(f.name, arrowType(f.type), true)));
  }
}

export function arrowSchema(columns: readonly { name: string; type: ColumnType }[], metadata?: Map<string, string>): Schema {
  return new Schema(
    columns.map((c) => new Field(c.name, arrowType(c.type), true)),
    metadata,
  );
}

/** One record batch of `length` rows from column-major values shaped as in ReadOnlyResult. */
export function recordBatch(schema: Schema, types: readonly ColumnType[], values: readonly (readonly unknown[])[], length: number): RecordBatch {
  const children = schema.fields.map((f, i) => {
    const t = types[i]!;
    const column = values[i]!.map((v) => arrowValue(t, v));
    return t.kind === 'string' || t.kind === 'json' ? utf8Data(column as (string | null)[]) : vectorFromArray(column, f.type).data[0]!;
  });
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, nullCount: 0, children }));
}

/**
 * The Arrow IPC stream bytes of `batches`, one chunk per batch (the schema goes with the first, the
 * end-of-stream marker last), pulled only as fast as the caller pulls.
 *
 * Why not RecordBatchStreamWriter.throughNode(): its Duplex pulls from the writer in a promise nobody
 * awaits, and destroying it with an error (a client that goes away) rejects that promise with a plain
 * object: an unhandled rejection that ends the process. Here the writer writes into a sink we drain
 * synchronously after each batch, so nothing is left pending when the caller stops pulling.
 */
export async function* arrowStreamBytes(batches: AsyncIterable<RecordBatch>): AsyncGenerator<Uint8Array> {
  const sink = new DrainedSink();
  const writer = new RecordBatchStreamWriter().reset(sink);
  for await (const batch of batches) {
    writer.write(batch);
    yield sink.drain();
  }
  writer.finish();
  yield sink.drain();
}

/** The writer's sink: it keeps what is written until drained, and never waits for a reader. */
class DrainedSink extends AsyncByteQueue {
  private chunks: Uint8Array[] = [];

  override write(value: Uint8Array): void {
    this.chunks.push(value);
  }

  drain(): Uint8Array {
    const out = Buffer.concat(this.chunks);
    this.chunks = [];
    return out;
  }
}

/**
 * Utf8 column data written straight into its buffers: several times faster than apache-arrow's
 * per-value builder, and text is most of an event's columns.
 */
function utf8Data(values: readonly (string | null)[]) {
  const n = values.length;
  const offsets = new Int32Array(n + 1);
  const validity = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) nullCount++;
    else validity[i >> 3]! |= 1 << (i & 7);
    offsets[i + 1] = offsets[i]! + (v ? Buffer.byteLength(v) : 0);
  }
  const bytes = Buffer.allocUnsafe(offsets[n]!);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v) bytes.write(v, offsets[i]!);
  }
  return makeData({
    type: new Utf8(),
    length: n,
    nullCount,
    nullBitmap: nullCount > 0 ? validity : null,
    valueOffsets: offsets,
    data: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  });
}

function arrowValue(t: ColumnType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (t.kind) {
    case 'json':
      return JSON.stringify(v);
    case 'list':
      return (v as unknown[]).map((x) => arrowValue(t.item, x));
    case 'struct':
      return Object.fromEntries(t.fields.map((f) => [f.name, arrowValue(f.type, (v as Record<string, unknown>)[f.name])]));
    default:
      return v;
  }
}
