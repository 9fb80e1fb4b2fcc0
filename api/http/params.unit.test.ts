import { describe, expect, it } from 'vitest';
import { ApiError } from '../problem.ts';
import { resolveWindow } from './params.ts';

const NOW = Date.parse('2026-03-01T00:00:00.000Z');
const DAY = 86_400_000;

describe('resolveWindow, shared by every endpoint that takes from / to / as_of', () => {
  it.each([
    ['from after to', { from: NOW, to: NOW - DAY }, 'body', { status: 400, code: 'invalid_request', errors: [{ in: 'body', field: 'from' }] }],
    ['from equal to to', { from: NOW, to: NOW }, 'query', { status: 400, code: 'invalid_request', errors: [{ in: 'query', field: 'from' }] }],
    ['a from after the default to (as_of, now)', { from: NOW + DAY }, 'query', { status: 400, code: 'invalid_request' }],
    ['401 days', { from: NOW - 401 * DAY, to: NOW }, 'query', { status: 400, code: 'range_too_large', extra: { limit: 400, limit_name: 'max_range_days' } }],
  ] as const)('refuses %s', (_name, q, where, expected) => {
    let caught: unknown;
    try {
      resolveWindow(q, where, NOW);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ApiError);
    const e = caught as ApiError;
    expect({ status: e.status, code: e.code, ...('errors' in expected ? { errors: e.extra.errors } : {}), ...('extra' in expected ? { extra: e.extra } : {}) }).toMatchObject(expected);
  });

  it('fills the defaults (as_of now, to as_of, from 30 days before) and takes exactly 400 days', () => {
    expect(resolveWindow({}, 'query', NOW)).toEqual({ from: NOW - 30 * DAY, to: NOW, as_of: NOW });
    expect(resolveWindow({ from: NOW - 399 * DAY, as_of: NOW + DAY }, 'body', NOW)).toEqual({ from: NOW - 399 * DAY, to: NOW + DAY, as_of: NOW + DAY });
  });
});
