import { ok, reject, type Outcome } from './outcome.ts';
import { checkStructure } from './structure.ts';

export const DEFAULT_MAX_EVENT_BYTES = 64 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface Decoded {
  json: unknown;
  text: string;
}

/**
 * Step 1: bytes → JSON value. Refuses oversized messages before looking inside them. Every transport's
 * message comes through here (an NDJSON line, an element of a JSON array body, a Kafka message), so the
 * same bytes get the same verdict whichever way they came.
 */
export function decode(raw: Uint8Array, maxBytes = DEFAULT_MAX_EVENT_BYTES): Outcome<Decoded> {
  if (raw.byteLength > maxBytes) {
    return reject('oversized', `message is ${raw.byteLength} bytes; the limit is ${maxBytes}`);
  }
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return reject('invalid_utf8', 'message is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch (err) {
    return reject('invalid_json', `message is not JSON: ${(err as Error).message}`);
  }
  const structure = checkStructure(text);
  if (structure) return reject(structure.reason, structure.detail, structure.field || null);
  // Valid UTF-8 bytes may still spell a lone surrogate as a JSON escape ("\ud800"): a string with no UTF-8
  // form, which ClickHouse refuses to insert (CANNOT_PARSE_ESCAPE_SEQUENCE) and DuckDB refuses as JSON,
  // anywhere in the payload, even under a key the contract ignores. The cheap test on the text comes first.
  if (SURROGATE_ESCAPE.test(text)) {
    const at = loneSurrogateAt(json);
    if (at !== null) {
      return reject('invalid_utf8', `${at || '(event)'}: holds a \\u escape of a lone surrogate, which is not a Unicode character`, at || null);
    }
  }
  return ok({ json, text });
}

const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

interface Visit {
  value: unknown;
  key: string | null;
  parent: Visit | null;
}

/**
 * Dotted path of the first key or string holding a lone surrogate ('' for the top level), or null.
 * Iterative, with the path built only when found (the structure check has already capped nesting at 64).
 */
function loneSurrogateAt(root: unknown): string | null {
  const stack: Visit[] = [{ value: root, key: null, parent: null }];
  while (stack.length > 0) {
    const visit = stack.pop()!;
    if (visit.key !== null && LONE_SURROGATE.test(visit.key)) return pathOf(visit);
    if (typeof visit.value === 'string') {
      if (LONE_SURROGATE.test(visit.value)) return pathOf(visit);
    } else if (typeof visit.value === 'object' && visit.value !== null) {
      // Pushed in reverse, so that the first offending field in document order is the one named.
      const entries = Object.entries(visit.value);
      for (let i = entries.length - 1; i >= 0; i -= 1) stack.push({ value: entries[i]![1], key: entries[i]![0], parent: visit });
    }
  }
  return null;
}

function pathOf(visit: Visit): string {
  const keys: string[] = [];
  for (let v: Visit | null = visit; v !== null && v.key !== null; v = v.parent) keys.push(v.key);
  return keys.reverse().join('.');
}
