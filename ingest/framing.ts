import { CarrelloError } from '../errors/carrelloError.ts';

/**
 * How a collector request body is cut into events. Framing only finds where each event's bytes start and
 * end; it never parses them: every event then goes through the pipeline's decode step (size, UTF-8, JSON,
 * nesting depth, duplicate keys) like a Kafka message does, so the same event bytes get the same verdict
 * whether they came as an NDJSON line, an element of a JSON array, a single-object body or a Kafka message.
 */

/** The body is not a JSON array, object or NDJSON whose events could be told apart: nothing is taken. */
export type FramingError = CarrelloError<'invalid_json'> & { details: { offset: number } };

const framingError = (message: string, offset: number): FramingError => new CarrelloError('invalid_json', message, { offset }) as FramingError;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const isSpace = (b: number | undefined): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** One event per non-blank line; a broken line is refused on its own by decode. */
export function ndjsonEvents(body: Uint8Array): Uint8Array[] {
  const events: Uint8Array[] = [];
  let start = 0;
  while (start < body.length) {
    let end = body.indexOf(0x0a, start);
    if (end === -1) end = body.length;
    let line = body.subarray(start, end);
    if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
    // Blank lines separate nothing; every other line is one event, refused on its own if broken.
    if (line.some((b) => b !== 0x20 && b !== 0x09)) events.push(line);
    start = end + 1;
  }
  return events;
}

/**
 * A JSON body: an array of events (each element's bytes, trimmed), or anything else taken as one event.
 * Only the array's own brackets and commas are read, counting depth without recursion, so an element
 * nested 30,000 deep is one element that decode refuses, not a stack overflow for the whole request.
 * An element that is broken inside (bad UTF-8, a bad literal, a mismatched bracket) is refused on its
 * own; a body whose elements cannot be told apart (unterminated string, unbalanced array, an empty
 * element, bytes after the closing bracket) throws invalid_json with the byte `offset`.
 */
export function jsonEvents(body: Uint8Array): Uint8Array[] {
  // A UTF-8 byte order mark is skipped, as decode skips it on an NDJSON line: else `<BOM>[...]` would be one event.
  const bom = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  const first = skipSpace(body, bom);
  let last = body.length;
  while (last > first && isSpace(body[last - 1])) last -= 1;
  if (first === last) throw framingError('the body is empty; send a JSON array of events or one event', 0);
  if (body[first] !== 0x5b) return [body.subarray(first, last)];

  const events: Uint8Array[] = [];
  let depth = 1;
  let start = first + 1;
  for (let i = first + 1; i < body.length; i++) {
    const b = body[i]!;
    if (b === QUOTE) {
      i = stringEnd(body, i);
      if (i === -1) throw framingError('a string is not terminated', body.length);
    } else if (b === 0x5b || b === 0x7b) {
      depth += 1;
    } else if (b === 0x5d || b === 0x7d) {
      depth -= 1;
      if (depth === 0) {
        if (b !== 0x5d) throw framingError(`the array opened at byte ${first} is closed by "}"`, i);
        const element = trim(body, start, i);
        if (element.length > 0) events.push(element);
        else if (events.length > 0) throw framingError('an element is empty (a comma before "]")', i);
        const after = skipSpace(body, i + 1);
        if (after !== body.length) throw framingError(`bytes follow the array closed at byte ${i}`, after);
        return events;
      }
    } else if (b === COMMA && depth === 1) {
      const element = trim(body, start, i);
      if (element.length === 0) throw framingError('an element is empty (two commas, or a comma after "[")', i);
      events.push(element);
      start = i + 1;
    }
  }
  throw framingError(`the array opened at byte ${first} is not closed`, body.length);
}

function skipSpace(body: Uint8Array, from: number): number {
  let i = from;
  while (i < body.length && isSpace(body[i])) i += 1;
  return i;
}

function trim(body: Uint8Array, start: number, end: number): Uint8Array {
  const s = skipSpace(body, start);
  let e = end;
  while (e > s && isSpace(body[e - 1])) e -= 1;
  return body.subarray(s, e);
}

/** Index of the quote that closes the string opened at `start`, or -1. UTF-8 never puts an ASCII byte inside a character. */
function stringEnd(body: Uint8Array, start: number): number {
  let end = body.indexOf(QUOTE, start + 1);
  while (end !== -1) {
    let k = end - 1;
    while (body[k] === BACKSLASH) k -= 1;
    if ((end - 1 - k) % 2 === 0) return end;
    end = body.indexOf(QUOTE, end + 1);
  }
  return -1;
}
