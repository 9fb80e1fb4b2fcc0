import type { z } from 'zod';

/**
 * A yes/no check compiled once from a zod schema's definition: true only for a value the schema accepts.
 * validate.ts runs it first and, for a value it does not accept, asks zod itself, so every reason still
 * comes from zod and the zod schemas stay the only definition of the contract. What it saves is zod's
 * general machinery (a copy of every accepted event, issue lists) on the common path: zod was the
 * largest single library in a worker's CPU profile after the Kafka client (docs/benchmarks.md).
 *
 * It knows only the constructs the contract uses, and refuses to compile anything else: a schema change
 * that adds one fails at start-up (and in fastCheck.unit.test.ts) instead of being checked loosely.
 */
export type FastCheck = (value: unknown) => boolean;

type Def = { type: string; check?: string; [k: string]: unknown };
type Schema = { _zod: { def: Def } };

const defOf = (s: unknown): Def => (s as Schema)._zod.def;

export function compileFastCheck(schema: z.ZodType): FastCheck {
  return compile(schema as unknown as Schema);
}

function compile(schema: Schema): FastCheck {
  const def = schema._zod.def;
  // A format schema (z.uuid(), z.int(), z.iso.datetime()) is itself a check on top of its type.
  const own = def.check ? [checkOf(def)] : [];
  const checks = [...own, ...((def.checks as Schema[] | undefined) ?? []).map((c) => checkOf(c._zod.def))];
  const base = baseOf(def);
  if (checks.length === 0) return base;
  return (v) => {
    if (!base(v)) return false;
    for (const c of checks) if (!c(v)) return false;
    return true;
  };
}

function baseOf(def: Def): FastCheck {
  switch (def.type) {
    case 'string':
      return (v) => typeof v === 'string';
    case 'number':
      return (v) => typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return (v) => typeof v === 'boolean';
    case 'literal': {
      const values = new Set(def.values as unknown[]);
      return (v) => values.has(v);
    }
    case 'enum': {
      const values = new Set(Object.values(def.entries as Record<string, unknown>));
      return (v) => values.has(v);
    }
    case 'optional': {
      const inner = compile(def.innerType as Schema);
      return (v) => v === undefined || inner(v);
    }
    case 'nullable': {
      const inner = compile(def.innerType as Schema);
      return (v) => v === null || inner(v);
    }
    case 'array': {
      const element = compile(def.element as Schema);
      // Every index, holes included (every() would skip them; zod reads them as undefined).
      return (v) => {
        if (!Array.isArray(v)) return false;
        for (let i = 0; i < v.length; i++) if (!element(v[i])) return false;
        return true;
      };
    }
    case 'object': {
      if (def.catchall !== undefined) throw unsupported('an object with a catchall');
      const fields = Object.entries(def.shape as Record<string, Schema>).map(([k, s]) => [k, compile(s)] as const);
      return (v) => {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
        const o = v as Record<string, unknown>;
        for (const [k, check] of fields) if (!check(o[k])) return false;
        return true;
      };
    }
    case 'union': {
      const key = def.discriminator as string | undefined;
      if (!key) throw unsupported('a union without a discriminator');
      const options = new Map<unknown, FastCheck>();
      for (const option of def.options as Schema[]) {
        const tag = defOf((defOf(option).shape as Record<string, Schema>)[key]);
        if (tag.type !== 'literal') throw unsupported('a discriminator that is not a literal');
        for (const value of tag.values as unknown[]) options.set(value, compile(option));
      }
      return (v) => {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
        const check = options.get((v as Record<string, unknown>)[key]);
        if (check === undefined) return false;
        return check(v);
      };
    }
    default:
      throw unsupported(`zod type ${def.type}`);
  }
}

function checkOf(def: Def): FastCheck {
  switch (def.check) {
    case 'min_length': {
      const min = def.minimum as number;
      return (v) => (v as { length: number }).length >= min;
    }
    case 'max_length': {
      const max = def.maximum as number;
      return (v) => (v as { length: number }).length <= max;
    }
    case 'greater_than': {
      const { value, inclusive } = def as unknown as { value: number; inclusive: boolean };
      return inclusive ? (v) => (v as number) >= value : (v) => (v as number) > value;
    }
    case 'less_than': {
      const { value, inclusive } = def as unknown as { value: number; inclusive: boolean };
      return inclusive ? (v) => (v as number) <= value : (v) => (v as number) < value;
    }
    case 'number_format':
      if (def.format !== 'safeint') throw unsupported(`number format ${String(def.format)}`);
      return (v) => Number.isSafeInteger(v);
    case 'string_format': {
      // These formats are checked by their pattern alone; others (url, jwt, ...) run code of their own.
      if (!['uuid', 'datetime', 'regex'].includes(def.format as string)) throw unsupported(`string format ${String(def.format)}`);
      const pattern = def.pattern as RegExp;
      if (pattern.global || pattern.sticky) throw unsupported('a stateful pattern');
      return (v) => pattern.test(v as string);
    }
    case 'custom': {
      // A refine(): zod calls it with the value and accepts a truthy answer.
      const fn = def.fn as (v: unknown) => unknown;
      return (v) => {
        const r = fn(v);
        if (r instanceof Promise) throw unsupported('an async refinement');
        return Boolean(r);
      };
    }
    default:
      throw unsupported(`check ${String(def.check)}`);
  }
}

function unsupported(what: string): Error {
  return new Error(`compileFastCheck: ${what} is not supported; extend ingest/pipeline/fastCheck.ts (and its parity test) first`);
}
