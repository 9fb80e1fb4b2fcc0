import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CarrelloError, codeGuard, ERROR_CODES, isCarrelloError, isErrorCode } from './carrelloError.ts';

/** The statuses carrello answers with. */
const STATUS_TEXT_CLASSES = [400, 401, 403, 404, 406, 413, 415, 422, 429, 500, 501, 502, 503];

describe('the code table', () => {
  it.each(Object.entries(ERROR_CODES))('gives %s a status among the answered ones and a title', (code, entry) => {
    expect(code).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
    expect(STATUS_TEXT_CLASSES).toContain(entry.status);
    expect(entry.title.trim()).not.toBe('');
    if ('retryAfterS' in entry) expect([429, 503]).toContain(entry.status);
  });

  it('agrees with the docs: every "<status> `code`" in README.md and docs/ is a code of that status', () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), '..');
    const files = [
      'README.md',
      ...readdirSync(join(root, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => join('docs', f)),
    ];
    const named: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const m of text.matchAll(/\b([45]\d\d) (?:problem\+json )?((?:`[a-z_]+`(?: \/ )?)+)/g)) {
        for (const code of m[2]!.matchAll(/`([a-z_]+)`/g)) named.push(`${file}: ${m[1]} ${code[1]}`);
      }
    }
    expect(named.length).toBeGreaterThan(30);
    const wrong = named.filter((n) => {
      const [, status, code] = /: (\d+) (\w+)$/.exec(n)!;
      return !isErrorCode(code) || ERROR_CODES[code].status !== Number(status);
    });
    expect(wrong).toEqual([]);
  });
});

describe('CarrelloError', () => {
  it('carries its code, status, details and cause, and is told apart by code', () => {
    const cause = new Error('lock held');
    const err = new CarrelloError('store_locked', 'in use', { path: '/x' }, { cause });
    expect([err.code, err.status, err.message, err.details, err.cause, err.name]).toEqual([
      'store_locked',
      500,
      'in use',
      { path: '/x' },
      cause,
      'CarrelloError',
    ]);
    expect(isCarrelloError(err)).toBe(true);
    expect(isCarrelloError(err, 'store_locked', 'usage')).toBe(true);
    expect(isCarrelloError(err, 'usage')).toBe(false);
    expect(isCarrelloError(Object.assign(new Error('x'), { code: 'store_locked' }))).toBe(false);
  });

  it('is recognised by shape when it comes from another copy of the module', () => {
    const foreign = Object.assign(new Error('full'), { name: 'CarrelloError', code: 'producer_backpressure', details: {} });
    expect(isCarrelloError(foreign, 'producer_backpressure')).toBe(true);
    expect(isCarrelloError(Object.assign(new Error('x'), { name: 'CarrelloError', code: 'no_such_code' }))).toBe(false);
  });

  it('keeps the old class names working with instanceof through a code guard', () => {
    const EventRefusedError = codeGuard('event_refused');
    const refused = new CarrelloError('event_refused', 'refused', { reason: 'schema_violation' });
    expect(refused instanceof EventRefusedError).toBe(true);
    expect(new CarrelloError('producer_closed', 'closed') instanceof EventRefusedError).toBe(false);
    expect(new Error('x') instanceof EventRefusedError).toBe(false);
    expect(EventRefusedError(refused)).toBe(true);
  });
});
