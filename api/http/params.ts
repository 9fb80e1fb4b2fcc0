import { z } from 'zod';
import { ApiError } from '../problem.ts';

/** Shared request parameters: one definition each, so every endpoint parses time the same way. */

/** An ISO-8601 instant with a zone (milliseconds optional), parsed to epoch milliseconds (UTC). */
export const instant = z.iso
  .datetime({ offset: true, local: false })
  .transform((s) => Date.parse(s))
  .describe('ISO-8601 instant with a zone, e.g. 2026-03-01T00:00:00Z or 2026-03-01T10:00:00.000+01:00');

export const DAY_MS = 86_400_000;

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: DAY_MS, w: 7 * DAY_MS } as const;

/**
 * The longest duration a parameter takes. A longer one means nothing for carts, and past 2^53 ms
 * (or Infinity, from enough digits) it is no longer an integer a store can take as a parameter.
 */
export const MAX_DURATION_DAYS = 400;

/** A duration: `90m`, `24h`, `2d`, `1.5h`, or plain seconds (`86400`); parsed to milliseconds, at most MAX_DURATION_DAYS. */
export const duration = z
  .string()
  .max(32)
  .regex(/^(\d+(\.\d+)?)(ms|s|m|h|d|w)?$/, 'expected a duration such as 24h, 90m, 2d or a number of seconds')
  .transform((s) => {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)?$/.exec(s)!;
    return Math.round(Number(m[1]) * UNIT_MS[(m[2] ?? 's') as keyof typeof UNIT_MS]);
  })
  .refine((ms) => ms <= MAX_DURATION_DAYS * DAY_MS, `expected a duration of at most ${MAX_DURATION_DAYS} days`)
  .describe(`duration: 24h, 90m, 2d, 1w, or seconds; at most ${MAX_DURATION_DAYS} days`);

export const DEFAULT_ABANDON_AFTER = '24h';

/** `from`, `to` (carts started in [from, to)) and `as_of`; defaults: as_of = now, to = as_of, from = to − 30 days. */
export const timeWindow = {
  from: instant.optional().describe('start of the range, inclusive (default: to − 30 days)'),
  to: instant.optional().describe('end of the range, exclusive (default: as_of)'),
  as_of: instant.optional().describe('the answer as it stood at this instant (default: now); events after it are ignored'),
};

export interface ResolvedWindow {
  from: number;
  to: number;
  as_of: number;
}

/** The longest range an answer covers: a client cannot make one read more than this many days of carts. */
export const MAX_RANGE_DAYS = 400;

/**
 * The window with its defaults, checked for every endpoint alike: `from` before `to` (400 invalid_request),
 * and at most MAX_RANGE_DAYS between them (400 range_too_large, naming the limit). `where` says where
 * the client put the parameters (query string or body), as the problem's `errors[].in` reports it.
 */
export function resolveWindow(q: { from?: number; to?: number; as_of?: number }, where: 'query' | 'body', now = Date.now()): ResolvedWindow {
  const as_of = q.as_of ?? now;
  const to = q.to ?? as_of;
  const from = q.from ?? to - 30 * DAY_MS;
  if (!(from < to)) {
    throw new ApiError(400, 'invalid_request', `${where} from: must be before to`, {
      errors: [{ in: where, field: 'from', message: `from (${isoMs(from)}) must be before to (${isoMs(to)})` }],
    });
  }
  if (to - from > MAX_RANGE_DAYS * DAY_MS) {
    throw new ApiError(400, 'range_too_large', `${where} from/to: the range spans more than ${MAX_RANGE_DAYS} days (max_range_days); ask for it in parts`, {
      limit: MAX_RANGE_DAYS,
      limit_name: 'max_range_days',
      errors: [{ in: where, field: 'from', message: `range over ${MAX_RANGE_DAYS} days` }],
    });
  }
  return { from, to, as_of };
}

export const isoMs = (ms: number): string => new Date(ms).toISOString();
