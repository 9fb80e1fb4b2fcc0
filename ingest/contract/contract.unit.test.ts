import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decode } from '../pipeline/decode.ts';
import { validate } from '../pipeline/validate.ts';
import { CartEvent } from './events.ts';
import { invalidExamples, validExamples } from './examples.ts';
import { JSON_SCHEMA_FILE, renderJsonSchema } from './jsonSchema.ts';

describe('event contract v1', () => {
  it.each(validExamples().map((e) => [e.name, e.text]))('accepts the valid example %s', (_name, text) => {
    const outcome = validate(JSON.parse(text));
    expect(outcome.ok).toBe(true);
  });

  it.each(invalidExamples().map((e) => [e.name, e] as const))('refuses the invalid example %s with its reason and field', (_name, example) => {
    const outcome = validate(JSON.parse(example.text));
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.rejection.reason).toBe(example.expected.reason);
    expect(outcome.rejection.field).toBe(example.expected.field);
    if (example.expected.field) expect(outcome.rejection.detail).toContain(`${example.expected.field}:`);
  });

  it('ships at least one valid example of every event type', () => {
    const types = new Set(validExamples().map((e) => (JSON.parse(e.text) as { type: string }).type));
    expect([...types].sort()).toEqual(CartEvent.options.map((o) => o.shape.type.value).sort());
  });

  it('keeps the checked-in JSON Schema in step with the zod schemas (run `npm run contract:schema`)', () => {
    expect(readFileSync(JSON_SCHEMA_FILE, 'utf8')).toBe(renderJsonSchema());
  });
});

describe('decode', () => {
  it.each([
    ['non-UTF-8 bytes', Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]), 'invalid_utf8'],
    ['truncated JSON', new TextEncoder().encode('{"event_id": "1b4e'), 'invalid_json'],
    ['an oversized message', new Uint8Array(70 * 1024).fill(0x20), 'oversized'],
  ] as const)('refuses %s', (_name, bytes, reason) => {
    const outcome = decode(bytes);
    expect(outcome.ok ? null : outcome.rejection.reason).toBe(reason);
  });

  // Valid UTF-8 bytes, valid JSON, but the \u escape spells half a surrogate pair: no UTF-8 form, refused by
  // both stores at insert time (see decode.ts), so refused here with the field named.
  it.each([
    ['a high surrogate in a contract field', '{"cart_id": "c\\ud800x"}', 'cart_id'],
    ['a low surrogate in a nested field', '{"item": {"name": "a\\udc00b"}}', 'item.name'],
    ['a lone surrogate under an unknown key', '{"a": 1, "extra": ["ok", "\\uDBFF"]}', 'extra.1'],
    ['a lone surrogate in a key', '{"k\\ud800": 1}', 'k\ud800'],
    // The deepest decode lets through (structure.ts refuses deeper messages as too_deep first).
    ['a lone surrogate 63 arrays deep', `{"x": ${'['.repeat(63)}"\\ud800"${']'.repeat(63)}}`, `x${'.0'.repeat(63)}`],
  ])('refuses %s as invalid_utf8, naming the field', (_name, text, field) => {
    const outcome = decode(new TextEncoder().encode(text));
    expect(outcome.ok ? null : { reason: outcome.rejection.reason, field: outcome.rejection.field }).toEqual({ reason: 'invalid_utf8', field });
  });

  it('keeps a surrogate pair (an emoji escaped) and an escaped backslash before "ud800"', () => {
    const text = '{"cart_id": "c\\ud83d\\ude00", "note": "\\\\ud800"}';
    expect(decode(new TextEncoder().encode(text))).toEqual({ ok: true, value: { json: { cart_id: 'c\u{1F600}', note: '\\ud800' }, text } });
  });

  it('returns the JSON value and the text as received', () => {
    const outcome = decode(new TextEncoder().encode('{"a": 1}'));
    expect(outcome).toEqual({ ok: true, value: { json: { a: 1 }, text: '{"a": 1}' } });
  });
});
