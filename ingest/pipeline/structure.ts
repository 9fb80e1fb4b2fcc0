/**
 * One pass over the text of a message that JSON.parse accepted, checking what JSON.parse does not:
 * how deep arrays and objects nest, and whether an object names a key twice.
 *
 * Depth: V8's JSON.parse is iterative and takes any depth, but every recursive walker after it does not
 * (JSON.stringify, zod, the engines' JSON functions, a client's own parser reading an export): a 30,000-deep
 * message overflowed the stack of the collector. Real events nest 3 levels; MAX_EVENT_DEPTH leaves room.
 * Duplicate keys: JSON.parse keeps the last value, while the stored payload holds both, so the typed columns
 * and the payload would disagree, and each reader of the payload would pick its own.
 *
 * It reads the text, not the parsed value, because the parsed value has already lost duplicate keys; it
 * allocates only a Set per object that has keys. Valid JSON is assumed (JSON.parse ran first).
 */
export const MAX_EVENT_DEPTH = 64;

export interface StructureProblem {
  reason: 'too_deep' | 'duplicate_key';
  /** Dotted path (array indexes as numbers), '' for the top level. */
  field: string;
  detail: string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export function checkStructure(text: string, maxDepth = MAX_EVENT_DEPTH): StructureProblem | null {
  // Per open container, indexed by depth (1 = the top level): kind, keys seen, the key or index being read.
  const isObject: boolean[] = [false];
  const keys: (Set<string> | null)[] = [null];
  const at: (string | number)[] = [''];
  const expectKey: boolean[] = [false];
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (depth > 0 && isObject[depth] && expectKey[depth]) {
        const slice = text.slice(i + 1, end);
        // "a" and "\u0061" are the same key: compare decoded keys (escapes are rare, so only then decode).
        const key = slice.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : slice;
        let seen = keys[depth];
        if (!seen) keys[depth] = seen = new Set();
        at[depth] = key;
        if (seen.has(key)) {
          const field = pathTo(at, depth);
          return { reason: 'duplicate_key', field, detail: `${field}: the key ${JSON.stringify(key)} appears more than once in its object` };
        }
        seen.add(key);
        expectKey[depth] = false;
      }
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > maxDepth) {
        const field = pathTo(at, depth - 1);
        return { reason: 'too_deep', field, detail: `${field || '(event)'}: arrays and objects nest more than ${maxDepth} levels deep` };
      }
      isObject[depth] = c === 0x7b;
      keys[depth] = null;
      at[depth] = c === 0x7b ? '' : 0;
      expectKey[depth] = c === 0x7b;
    } else if (c === 0x7d || c === 0x5d) {
      depth -= 1;
    } else if (c === 0x2c) {
      if (isObject[depth]) expectKey[depth] = true;
      else at[depth] = (at[depth] as number) + 1;
    }
  }
  return null;
}

/** Index of the quote that closes the string opened at `start`: the next quote not escaped by a backslash. */
function stringEnd(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  while (end !== -1) {
    let k = end - 1;
    while (text.charCodeAt(k) === BACKSLASH) k -= 1;
    if ((end - 1 - k) % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
  return text.length;
}

function pathTo(at: readonly (string | number)[], depth: number): string {
  return at
    .slice(1, depth + 1)
    .map(String)
    .join('.');
}
