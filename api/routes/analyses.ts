import { z } from 'zod';
import { abandonmentFunnel, quantityFunnel, removalFunnel, type AnalysisWindow } from '../../projections/analyses.ts';
import { abandonedCartAudience, decodeCursor } from '../../projections/audiences.ts';
import { recoveryReport } from '../../projections/recovery.ts';
import { asOfQuery, DAY_MS, DEFAULT_ABANDON_AFTER, duration, reportingCurrency, resolveAsOf, resolveWindow, timeWindow, timeZone } from '../http/params.ts';
import { defineRoute } from '../http/route.ts';
import type { RouteDeps } from './index.ts';
import {
  AbandonmentAnswer,
  AbandonmentRow,
  AudienceAnswer,
  AudienceRow,
  QuantityAnswer,
  QuantityRow,
  RecoveryAnswer,
  RecoveryRow,
  RemovalAnswer,
  RemovalRow,
} from '../http/answers.ts';
import { CarrelloError, isCarrelloError } from '../../errors/carrelloError.ts';

const abandonAfter = duration.prefault(DEFAULT_ABANDON_AFTER).describe('inactivity after which a cart holding items counts as abandoned (default 24h)');
/** Audiences look back this many days by default, as campaign tools do, and at most MAX_LOOKBACK_DAYS. */
const DEFAULT_LOOKBACK_DAYS = 30;
const MAX_LOOKBACK_DAYS = 400;
const lineGroup = z.enum(['product', 'category']).default('product').describe('rank products or categories');

export function analysisRoutes({ warehouse, timezone = 'UTC' }: RouteDeps) {
  const analysisWindow = (q: Parameters<typeof resolveWindow>[0] & { abandon_after: number; currency?: string }): AnalysisWindow => ({
    ...resolveWindow(q, 'query', Date.now(), timezone),
    abandon_ms: q.abandon_after,
    ...(q.currency !== undefined ? { currency: q.currency } : {}),
  });
  const roles = ['marketing', 'data', 'admin'] as const;
  return [
    defineRoute({
      method: 'get',
      path: '/v1/funnels/abandonment',
      operationId: 'getAbandonmentFunnel',
      response: AbandonmentAnswer,
      row: AbandonmentRow,
      summary: 'Abandonment funnel: carts started → checkout started → ordered; abandoned by stage, open, emptied, recovered',
      tags: ['funnels'],
      roles: [...roles],
      query: z.object({
        ...timeWindow,
        abandon_after: abandonAfter,
        breakdown: z
          .enum(['none', 'channel', 'campaign', 'day'])
          .default('none')
          .describe('split the funnel by the cart’s first channel, its campaign, or the local day (in tz) it started'),
        currency: reportingCurrency.optional(),
      }),
      handler: async ({ query }) => abandonmentFunnel(warehouse, analysisWindow(query), query.breakdown),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/funnels/removal',
      operationId: 'getRemovalFunnel',
      response: RemovalAnswer,
      row: RemovalRow,
      summary: 'Removal funnel per cart line: added → removed (before / after checkout) → re-added; kept → purchased / abandoned / open',
      tags: ['funnels'],
      roles: [...roles],
      query: z.object({
        ...timeWindow,
        abandon_after: abandonAfter,
        group: lineGroup,
        min_adds: z.coerce.number().int().min(1).default(5).describe('leave out products or categories with fewer lines added than this (default 5)'),
        limit: z.coerce.number().int().min(1).max(1_000).default(50).describe('most rows (default 50, at most 1,000)'),
        breakdown: z
          .enum(['none', 'day'])
          .default('none')
          .describe('day: one row per local day (in tz) of the first add (days), instead of per product or category; min_adds and limit do not apply'),
        item: z.string().min(1).max(200).optional().describe('only the lines of this product id (or category, with group=category)'),
      }),
      handler: async ({ query }) => removalFunnel(warehouse, analysisWindow(query), query),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/funnels/quantity',
      operationId: 'getQuantityFunnel',
      response: QuantityAnswer,
      row: QuantityRow,
      summary: 'Quantity changes per cart line: increased, decreased, unchanged (net) or removed; units delta and purchase rate',
      tags: ['funnels'],
      roles: [...roles],
      query: z.object({
        ...timeWindow,
        abandon_after: abandonAfter,
        group: lineGroup,
        limit: z.coerce.number().int().min(1).max(1_000).default(50).describe('most rows (default 50, at most 1,000)'),
      }),
      handler: async ({ query }) => quantityFunnel(warehouse, analysisWindow(query), query),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/funnels/recovery',
      operationId: 'getRecoveryReport',
      response: RecoveryAnswer,
      row: RecoveryRow,
      summary: 'Recovery of abandoned carts: abandoned → announced → reactivated → recovered, recovered value per currency, median time to recovery',
      description:
        'The abandonment episodes whose abandonment instant is in [from, to), as the lifecycle announcement log knew them at as_of; ' +
        'by stage, channel and the campaign of the event that brought the customer back, and recovered among announced vs not announced ' +
        '(a comparison, not a controlled experiment). docs/metrics.md, "Recovery report".',
      tags: ['funnels'],
      roles: [...roles],
      query: z.object({
        ...timeWindow,
        from: timeWindow.from.describe('episodes abandoned at or after this instant count (default: to − 30 days)'),
        to: timeWindow.to.describe('… and before this one (default: as_of); returns and orders may come after it'),
        as_of: timeWindow.as_of.describe('the report as the announcement log and the webhook acknowledgements stood at this instant (default: now)'),
        currency: reportingCurrency.optional(),
      }),
      handler: async ({ query }) =>
        recoveryReport(warehouse, {
          ...resolveWindow(query, 'query', Date.now(), timezone),
          ...(query.currency !== undefined ? { currency: query.currency } : {}),
        }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/audiences/abandoned-carts',
      operationId: 'getAbandonedCartAudience',
      response: AudienceAnswer,
      row: AudienceRow,
      summary: 'Abandoned carts to target: contents, value, stage, consent; pages with a cursor that fetches only what is new',
      tags: ['audiences'],
      roles: [...roles],
      query: z.object({
        as_of: asOfQuery.as_of.describe(
          'the audience as it stood at this instant (default: now): an instant, a date (local midnight in tz), today, yesterday or -Nd',
        ),
        abandon_after: abandonAfter,
        lookback_days: z.coerce
          .number()
          .int(`expected a whole number of days, 1 to ${MAX_LOOKBACK_DAYS}`)
          .min(1, `expected a whole number of days, 1 to ${MAX_LOOKBACK_DAYS}`)
          .max(MAX_LOOKBACK_DAYS, `expected a whole number of days, 1 to ${MAX_LOOKBACK_DAYS}`)
          .default(DEFAULT_LOOKBACK_DAYS)
          .describe(
            `only carts abandoned within this many days before as_of (default ${DEFAULT_LOOKBACK_DAYS}, 1 to ${MAX_LOOKBACK_DAYS}); the answer reads only those days`,
          ),
        stage: z.enum(['any', 'cart', 'checkout']).default('any').describe('abandoned before checkout (cart) or during it (checkout)'),
        min_value_minor: z.coerce.number().int().min(0).default(0).describe('smallest cart value, in minor units of the cart’s currency'),
        consent: z.enum(['required', 'any']).default('required').describe('required (default): only carts whose latest consent says marketing: true'),
        limit: z.coerce.number().int().min(1).max(10_000).default(1_000).describe('carts per page (default 1,000, at most 10,000)'),
        since_cursor: z.string().max(512).optional().describe('the next_cursor of a previous answer: only carts abandoned after it'),
        currency: reportingCurrency.optional(),
        tz: timeZone
          .optional()
          .describe(
            'IANA time zone of an as_of given as a date or day, and whose local day of each abandonment picks its exchange rate, with currency (default: the shop’s, CARRELLO_TIMEZONE, else UTC)',
          ),
      }),
      handler: async ({ query }) => {
        let cursor = null;
        try {
          cursor = query.since_cursor ? decodeCursor(query.since_cursor) : null;
        } catch (err) {
          if (isCarrelloError(err, 'invalid_cursor')) {
            throw new CarrelloError(
              'invalid_cursor',
              `query since_cursor: ${err.message}`,
              { errors: [{ in: 'query', field: 'since_cursor', message: err.message }] },
              { cause: err },
            );
          }
          throw err;
        }
        return abandonedCartAudience(warehouse, {
          as_of: resolveAsOf(query, Date.now(), timezone),
          abandon_ms: query.abandon_after,
          lookback_ms: query.lookback_days * DAY_MS,
          stage: query.stage,
          min_value_minor: query.min_value_minor,
          consent: query.consent,
          limit: query.limit,
          cursor,
          tz: query.tz ?? timezone,
          ...(query.currency !== undefined ? { currency: query.currency } : {}),
        });
      },
    }),
  ];
}
