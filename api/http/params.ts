import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';
import { CarrelloError } from '../../errors/carrelloError.ts';
import { CheckoutStarted } from '../../ingest/contract/events.ts';

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

/** An IANA time zone (`Europe/Rome`, `UTC`, `Pacific/Tongatapu`): the days of an answer are its local days. */
export const timeZone = z
  .string()
  .max(64)
  .refine((s) => IANAZone.isValidZone(s), 'expected an IANA time zone such as Europe/Rome, America/New_York or UTC')
  .describe('IANA time zone whose local days the answer uses (default: the shop’s, CARRELLO_TIMEZONE, else UTC)');

/**
 * A reporting currency (ISO 4217): an answer asked with it adds, beside its values per currency, their total
 * converted into it with the stored daily exchange rates (docs/metrics.md, "Reporting currency").
 */
export const reportingCurrency = CheckoutStarted.shape.currency.describe(
  'a reporting currency (ISO 4217, e.g. EUR): adds beside the values per currency their total converted into it at each local day’s exchange rate (PUT /v1/exchange-rates), naming what had no rate',
);

/**
 * A point in time as a client may write it: an instant with a zone, a date (`2026-11-01`: that day's
 * local midnight), `today` or `yesterday` (the local midnight of as_of's day, or the one before), `-Nd`
 * (N local days before today's midnight). Dates and days are resolved in the answer's time zone.
 */
export type TimeSpec = { instant: number } | { date: string } | { daysBack: number };

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAYS_BACK = /^-(\d{1,3})d$/;

export const when = z
  .string()
  .max(40)
  .transform((s, ctx): TimeSpec => {
    if (s === 'today') return { daysBack: 0 };
    if (s === 'yesterday') return { daysBack: 1 };
    const back = DAYS_BACK.exec(s);
    if (back && Number(back[1]) <= MAX_DURATION_DAYS) return { daysBack: Number(back[1]) };
    if (DATE.test(s) && DateTime.fromISO(s, { zone: 'UTC' }).isValid) return { date: s };
    const parsed = instant.safeParse(s);
    if (parsed.success) return { instant: parsed.data };
    ctx.addIssue({
      code: 'custom',
      message: `expected an ISO-8601 instant with a zone (2026-03-01T00:00:00Z), a date (2026-03-01), today, yesterday or -Nd (N days, at most ${MAX_DURATION_DAYS})`,
    });
    return z.NEVER;
  })
  .describe(
    'an instant with a zone (2026-03-01T00:00:00Z), a date (2026-03-01: local midnight in tz), today, yesterday, or -7d (local midnight 7 days before as_of’s day)',
  );

/**
 * `from`, `to` (carts started in [from, to)), `as_of` and `tz`; defaults: as_of = now, to = as_of,
 * from = to − 30 days, tz = the shop's.
 */
export const timeWindow = {
  from: when.optional().describe('start of the range, inclusive (default: to − 30 days): an instant, a date (local midnight), today, yesterday or -Nd'),
  to: when.optional().describe('end of the range, exclusive (default: as_of): an instant, a date (local midnight), today, yesterday or -Nd'),
  as_of: when.optional().describe('the answer as it stood at this instant (default: now); events after it are ignored. A date is its local midnight'),
  tz: timeZone.optional(),
};

export interface ResolvedWindow {
  from: number;
  to: number;
  as_of: number;
  /** The time zone of the answer's days and of the dates it was asked with. */
  tz: string;
}

/** A point in time as epoch milliseconds: dates and days back in `tz`, days back counted from `base`'s local day. */
export function resolveTime(t: TimeSpec | number, tz: string, base: number): number {
  if (typeof t === 'number') return t;
  if ('instant' in t) return t.instant;
  if ('date' in t) return DateTime.fromISO(t.date, { zone: tz }).startOf('day').toMillis();
  return DateTime.fromMillis(base, { zone: tz }).startOf('day').minus({ days: t.daysBack }).toMillis();
}

/**
 * `as_of` and `tz` of an answer about one instant (a cart, an audience): the same forms as a window's
 * (an instant, a date's local midnight, today, yesterday, -Nd), resolved in tz (default: the shop's) from now.
 */
export const asOfQuery = {
  as_of: when.optional(),
  tz: timeZone.optional(),
};

export function resolveAsOf(q: { as_of?: TimeSpec; tz?: string }, now = Date.now(), shopTz = 'UTC'): number {
  return q.as_of === undefined ? now : resolveTime(q.as_of, q.tz ?? shopTz, now);
}

/** The longest range an answer covers: a client cannot make one read more than this many days of carts. */
export const MAX_RANGE_DAYS = 400;

/**
 * The window with its defaults, checked for every endpoint alike: `from` before `to` (400 invalid_request),
 * and at most MAX_RANGE_DAYS between them (400 range_too_large, naming the limit). `where` says where
 * the client put the parameters (query string or body), as the problem's `errors[].in` reports it.
 */
export function resolveWindow(
  q: { from?: TimeSpec | number; to?: TimeSpec | number; as_of?: TimeSpec | number; tz?: string },
  where: 'query' | 'body',
  now = Date.now(),
  shopTz = 'UTC',
): ResolvedWindow {
  const tz = q.tz ?? shopTz;
  const as_of = q.as_of === undefined ? now : resolveTime(q.as_of, tz, now);
  const to = q.to === undefined ? as_of : resolveTime(q.to, tz, as_of);
  const from = q.from === undefined ? to - 30 * DAY_MS : resolveTime(q.from, tz, as_of);
  if (!(from < to)) {
    throw new CarrelloError('invalid_request', `${where} from: must be before to`, {
      errors: [{ in: where, field: 'from', message: `from (${isoMs(from)}) must be before to (${isoMs(to)})` }],
    });
  }
  if (to - from > MAX_RANGE_DAYS * DAY_MS) {
    throw new CarrelloError('range_too_large', `${where} from/to: the range spans more than ${MAX_RANGE_DAYS} days (max_range_days); ask for it in parts`, {
      limit: MAX_RANGE_DAYS,
      limit_name: 'max_range_days',
      errors: [{ in: where, field: 'from', message: `range over ${MAX_RANGE_DAYS} days` }],
    });
  }
  return { from, to, as_of, tz };
}

export const isoMs = (ms: number): string => new Date(ms).toISOString();
