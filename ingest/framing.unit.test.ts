import { describe, expect, it } from 'vitest';
import { jsonEvents, ndjsonEvents } from './framing.ts';

const texts = (events: Uint8Array[]) => events.map((e) => Buffer.from(e).toString('latin1'));

describe('jsonEvents: a JSON body cut into the bytes of each event, without parsing them', () => {
  it.each([
    ['an array', '[{"a":1},{"b":[1,2]}]', ['{"a":1}', '{"b":[1,2]}']],
    ['an array with spaces and newlines', ' \r\n[ {"a":1} ,\n\t{"b":2}\n] \n', ['{"a":1}', '{"b":2}']],
    ['an empty array', '[ ]', []],
    ['one object', ' {"a":[1,{"b":2}]} ', ['{"a":[1,{"b":2}]}']],
    ['a scalar (refused later as not_an_object)', '42', ['42']],
    ['a broken single object (refused later as invalid_json)', '{"a":', ['{"a":']],
    ['strings holding brackets, commas and escaped quotes', '["],[{\\"", "\\\\", {"k":"}"}]', ['"],[{\\""', '"\\\\"', '{"k":"}"}']],
    ['an element broken inside', '[{"a":tru},{"b":1}]', ['{"a":tru}', '{"b":1}']],
    ['an element with a mismatched bracket', '[{"a":[1}],{"b":1}]', ['{"a":[1}]', '{"b":1}']],
    ['bytes that are not UTF-8 inside a string', Buffer.from([0x5b, 0x22, 0xff, 0xfe, 0x22, 0x5d]).toString('latin1'), ['"\xff\xfe"']],
    ['an array after a UTF-8 byte order mark', '\xef\xbb\xbf[{"a":1}]', ['{"a":1}']],
    ['an element nested 30,000 deep', `[${'['.repeat(30_000)}${']'.repeat(30_000)},{}]`, [`${'['.repeat(30_000)}${']'.repeat(30_000)}`, '{}']],
  ])('%s', (_name, body, expected) => {
    expect(texts(jsonEvents(Buffer.from(body, 'latin1')))).toEqual(expected);
  });

  it.each([
    ['an empty body', '  ', 0],
    ['an unclosed array', '[{"a":1}', 8],
    ['an unterminated string', '[{"a":"x}]', 10],
    ['a trailing comma', '[{"a":1},]', 9],
    ['two commas', '[{"a":1},,{}]', 9],
    ['a comma after [', '[,{}]', 1],
    ['bytes after the array', '[{"a":1}] {"b":2}', 10],
    ['an array closed by }', '[{"a":1}}', 8],
  ])('refuses %s as a whole', (_name, body, offset) => {
    let caught: unknown;
    try {
      jsonEvents(Buffer.from(body));
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'invalid_json', details: { offset } });
  });
});

describe('ndjsonEvents', () => {
  it('takes every non-blank line, CRLF or LF, as one event', () => {
    expect(texts(ndjsonEvents(Buffer.from('{"a":1}\r\n\n \t\n{"b"\n{"c":3}')))).toEqual(['{"a":1}', '{"b"', '{"c":3}']);
  });
});
