import type { QueryError } from '../../errors.ts';
import { MAX_BUILT_LENGTH } from './policy.ts';
import { CarrelloError } from '../../../errors/carrelloError.ts';

/**
 * Bounds on the size arguments of built-in functions that build a value far larger than their inputs.
 *
 * Why in the check and not in the engine: DuckDB's memory_limit governs its buffer manager only, and
 * a string or list is built in one function call that connection.interrupt() cannot stop midway (it is
 * seen between vectors). `SELECT length(repeat('x', 1000000000))` ran 72 s past a 10 s limit and
 * `repeat('x', 3e9)` took 6 GB. So a size argument must be a literal the check can read, at most
 * MAX_BUILT_LENGTH; a value computed from data or a subquery cannot be bounded before it runs.
 */
export function checkBuiltSize(name: string, args: readonly unknown[]): void {
  switch (name) {
    case 'repeat': {
      // Folded once when both arguments are literals; the built length is the product.
      const unit = literalLength(args[0]);
      const count = literalInteger(args[1]);
      if (unit === undefined || count === undefined) throw notLiteral(name, 'its value and its count must be literals');
      return within(name, unit * Math.max(count, 0));
    }
    case 'lpad':
    case 'rpad':
      return within(name, sizeArgument(name, args[1], 'its length'));
    case 'list_resize':
    case 'array_resize':
      return within(name, sizeArgument(name, args[1], 'its size'));
    case 'bitstring':
      return args.length < 2 ? undefined : within(name, sizeArgument(name, args[1], 'its length in bits'));
    case 'bar':
      // The width defaults to 80 characters.
      return args.length < 4 ? undefined : within(name, sizeArgument(name, args[3], 'its width'));
    case 'range':
    case 'generate_series':
      return within(name, seriesLength(name, args));
    case 'printf':
    case 'format':
      return formatWidths(name, args[0]);
    default:
      return undefined;
  }
}

/** Names whose size arguments checkBuiltSize reads: the check calls it for these only. */
export const SIZE_BOUNDED: ReadonlySet<string> = new Set([
  'repeat',
  'lpad',
  'rpad',
  'list_resize',
  'array_resize',
  'bitstring',
  'bar',
  'range',
  'generate_series',
  'printf',
  'format',
]);

function sizeArgument(name: string, arg: unknown, what: string): number {
  const n = literalInteger(arg);
  if (n === undefined) throw notLiteral(name, `${what} must be a literal`);
  return n;
}

/** The scalar range(...) and generate_series(...) build a whole list in one call; the table functions stream. */
function seriesLength(name: string, args: readonly unknown[]): number {
  const ns = args.map(literalInteger);
  if (ns.length === 0 || ns.some((n) => n === undefined)) {
    throw notLiteral(name, `as a list its bounds must be integer literals; FROM ${name}(...) streams rows of any length`);
  }
  const [a, b, step = 1] = (ns.length === 1 ? [0, ns[0]] : ns) as number[];
  if (step === 0) return 0;
  return Math.max(0, Math.ceil((b! - a!) / step) + (name === 'generate_series' ? 1 : 0));
}

/** Widths and precisions written in a format string pad the output; a width taken from an argument is refused. */
function formatWidths(name: string, arg: unknown): void {
  const format = literalString(arg);
  if (format === undefined) throw notLiteral(name, 'its format must be a literal');
  if (/\*/.test(format) || /\{[^}]*\{/.test(format)) throw notLiteral(name, 'a width or precision taken from an argument cannot be bounded');
  for (const digits of format.match(/\d+/g) ?? []) within(name, Number(digits));
}

function within(name: string, length: number): void {
  if (length > MAX_BUILT_LENGTH) {
    throw new CarrelloError(
      'sql_value_too_large',
      `${name}() would build a value of ${length} characters or elements; at most ${MAX_BUILT_LENGTH} are built in one call`,
      { function: name, limit: MAX_BUILT_LENGTH, limit_name: 'sql_max_built_length' },
    );
  }
}

function notLiteral(name: string, why: string): QueryError {
  return new CarrelloError('sql_value_too_large', `${name}() builds a value whose size must be known before it runs: ${why}`, {
    function: name,
    limit: MAX_BUILT_LENGTH,
    limit_name: 'sql_max_built_length',
  });
}

type Obj = Record<string, unknown>;

/** The value of a literal, seen through casts (`1e9::INT` is a cast of a DOUBLE literal). */
function literal(arg: unknown): Obj | undefined {
  const o = arg !== null && typeof arg === 'object' ? (arg as Obj) : undefined;
  if (o?.class === 'CAST') return literal(o.child);
  if (o?.class !== 'CONSTANT') return undefined;
  const v = o.value as Obj | undefined;
  return v && v.is_null === false ? v : undefined;
}

function literalInteger(arg: unknown): number | undefined {
  const v = literal(arg)?.value;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
  return Number.isFinite(n) ? Math.ceil(n) : undefined;
}

function literalString(arg: unknown): string | undefined {
  const v = literal(arg)?.value;
  return typeof v === 'string' ? v : undefined;
}

/** A literal string's length; a number literal counts as its decimal text. */
function literalLength(arg: unknown): number | undefined {
  const v = literal(arg)?.value;
  return typeof v === 'string' ? v.length : typeof v === 'number' ? String(v).length : undefined;
}
