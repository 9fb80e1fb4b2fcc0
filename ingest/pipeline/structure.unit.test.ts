import { describe, expect, it } from 'vitest';
import { decode } from './decode.ts';
import { checkStructure, MAX_EVENT_DEPTH } from './structure.ts';

const nest = (depth: number, inner = '1') => '['.repeat(depth) + inner + ']'.repeat(depth);

describe('checkStructure: nesting depth and duplicate keys in one pass over valid JSON', () => {
  it.each([
    ['a flat event', '{"type":"cart.item_added","item":{"product_id":"p"},"items":[{"a":1},{"a":2}]}'],
    ['the same key in sibling objects', '[{"a":1},{"a":2}]'],
    ['the same key at two levels', '{"a":{"a":{"a":1}}}'],
    ['keys that only look alike', '{"a":1,"A":2,"a ":3,"\\"a":4}'],
    ['quotes, braces and commas inside strings', '{"k":"}{][,\\"","l":"\\\\","m":"\\\\\\""}'],
    ['a key whose value is a string equal to another key', '{"a":"b","b":"a"}'],
    [`exactly ${MAX_EVENT_DEPTH} levels`, nest(MAX_EVENT_DEPTH)],
    ['a scalar', '"x"'],
    ['an empty object and array', '{"a":{},"b":[]}'],
  ])('accepts %s', (_name, text) => {
    JSON.parse(text);
    expect(checkStructure(text)).toBeNull();
  });

  it.each([
    ['a top-level duplicate', '{"a":1,"b":2,"a":3}', 'duplicate_key', 'a'],
    ['a nested duplicate', '{"item":{"product_id":"p","sku":"s","product_id":"q"}}', 'duplicate_key', 'item.product_id'],
    ['a duplicate inside an array element', '{"items":[{"q":1},{"q":1,"q":2}]}', 'duplicate_key', 'items.1.q'],
    ['a duplicate spelled with an escape', '{"a":1,"\\u0061":2}', 'duplicate_key', 'a'],
    ['a duplicate after a value holding quotes and commas', '{"a":"x\\",\\"a\\":","a":2}', 'duplicate_key', 'a'],
    [`${MAX_EVENT_DEPTH + 1} levels of arrays`, nest(MAX_EVENT_DEPTH + 1), 'too_deep', Array(MAX_EVENT_DEPTH).fill('0').join('.')],
    ['30,000 levels under a key', `{"a":{"b":${nest(30_000)}}}`, 'too_deep', ['a', 'b', ...Array(MAX_EVENT_DEPTH - 2).fill('0')].join('.')],
  ])('refuses %s', (_name, text, reason, field) => {
    JSON.parse(text);
    expect(checkStructure(text)).toMatchObject({ reason, field });
  });

  it('names the top level as (event) and the limit in the detail', () => {
    expect(checkStructure(nest(3), 2)).toEqual({ reason: 'too_deep', field: '0.0', detail: '0.0: arrays and objects nest more than 2 levels deep' });
    expect(checkStructure('{"a":{}}', 1)).toEqual({ reason: 'too_deep', field: 'a', detail: 'a: arrays and objects nest more than 1 levels deep' });
    expect(checkStructure('[[]]', 0)!.detail).toBe('(event): arrays and objects nest more than 0 levels deep');
  });
});

describe('decode refuses them with their reason and field, whatever the transport', () => {
  it.each([
    ['{"type":"x","type":"y"}', 'duplicate_key', 'type', 'type: the key "type" appears more than once in its object'],
    [`{"a":${nest(100)}}`, 'too_deep', ['a', ...Array(MAX_EVENT_DEPTH - 1).fill('0')].join('.'), undefined],
    ['{"a":1', 'invalid_json', null, undefined],
  ])('%s', (text, reason, field, detail) => {
    const out = decode(Buffer.from(text));
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.rejection).toMatchObject({ reason, field, ...(detail ? { detail } : {}) });
  });
});
