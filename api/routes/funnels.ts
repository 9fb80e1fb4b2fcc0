import { z } from 'zod';
import { EVENT_TYPES } from '../../ingest/contract/events.ts';
import {
  DEFAULT_WINDOW_SECONDS,
  definitionProblems,
  MAX_EXCLUSIONS,
  MAX_STEPS,
  MAX_WINDOW_MS,
  MIN_STEPS,
  MIN_WINDOW_MS,
  type FunnelDefinition,
} from '../../projections/funnels/definition.ts';
import { funnelReport, type FunnelReport } from '../../projections/funnels/funnels.ts';
import type { StepSummary } from '../../projections/funnels/summary.ts';
import { defineRoute } from '../http/route.ts';
import { resolveWindow, timeWindow } from '../http/params.ts';
import type { RouteDeps } from './index.ts';
import { FunnelAnswer, FunnelRow } from '../http/answers.ts';

const filter = {
  type: z.enum(EVENT_TYPES).describe('event type'),
  product_id: z.string().min(1).max(128).optional().describe('only events of this product'),
  category: z.string().min(1).max(256).optional().describe('only events of products in this category'),
};

const stepIndex = z
  .int()
  .min(0)
  .max(MAX_STEPS - 1);

export const FunnelRequest = z
  .object({
    steps: z.array(z.object(filter).strict()).min(MIN_STEPS).max(MAX_STEPS).describe('2 to 20 steps, in funnel order'),
    window_seconds: z
      .int()
      .min(MIN_WINDOW_MS / 1000)
      .max(MAX_WINDOW_MS / 1000)
      .default(DEFAULT_WINDOW_SECONDS)
      .describe('every step within this many seconds of the attempt’s first event, boundary included (default 14 days, at most 90 days)'),
    order: z
      .enum(['ordered', 'strict', 'unordered'])
      .default('ordered')
      .describe('ordered: steps in order, other events may come between; strict: each step the very next event; unordered: any order'),
    exclusions: z
      .array(z.object({ ...filter, between: z.tuple([stepIndex, stepIndex]).describe('step indexes [i, j], 0-based, i < j') }).strict())
      .max(MAX_EXCLUSIONS)
      .default([])
      .describe('an event matching one strictly between the attempt’s steps i and j spoils the attempt'),
    entity: z.enum(['cart', 'customer']).default('cart').describe('who goes through the funnel (customer: events without a customer_id are left out)'),
    ...timeWindow,
    from: timeWindow.from.describe('attempts whose first step is at or after this instant count (default: to − 30 days)'),
    to: timeWindow.to.describe('… and before this one (default: as_of); later steps may come after it'),
    breakdown: z.enum(['channel', 'campaign', 'currency']).optional().describe('also answer per value of the attempt’s first event'),
  })
  .strict()
  .superRefine((body, ctx) => {
    for (const [path, message] of definitionProblems(body))
      ctx.addIssue({ code: 'custom', path: path.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)), message });
  });

const COLUMNS = [
  'index',
  'name',
  'type',
  'product_id',
  'category',
  'count',
  'conversion_from_previous',
  'conversion_from_first',
  'median_seconds_from_previous',
  'average_seconds_from_previous',
] as const;

export function funnelRoutes({ warehouse, timezone = 'UTC' }: RouteDeps) {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/funnels',
      operationId: 'runFunnel',
      response: FunnelAnswer,
      row: FunnelRow,
      summary: 'A custom funnel: entities per step, conversion rates and times between steps',
      description:
        'Counts carts (or customers) through 2–20 steps, as PostHog funnels do; docs/funnels.md has the semantics. ' +
        'Every event of the first step starts an attempt; the entity counts at the deepest step a clean attempt reaches.',
      tags: ['funnels'],
      roles: ['marketing', 'data', 'admin'],
      body: FunnelRequest,
      async handler({ body }) {
        const { from, to, as_of } = resolveWindow(body, 'body', Date.now(), timezone);
        const definition: FunnelDefinition = {
          steps: body.steps,
          windowMs: body.window_seconds * 1000,
          order: body.order,
          exclusions: body.exclusions,
          entity: body.entity,
          fromMs: from,
          toMs: to,
          asOfMs: as_of,
          breakdown: body.breakdown,
        };
        const report = await funnelReport(warehouse, definition);
        return { json: report, table: table(report) };
      },
    }),
  ];
}

/** One row per step (and breakdown value): CSV and Arrow. */
function table(report: FunnelReport) {
  const row = (s: StepSummary) => Object.fromEntries(COLUMNS.map((c) => [c, s[c]]));
  if (!report.breakdown) return { columns: [...COLUMNS], rows: report.steps.map(row) };
  // Totals first, with no breakdown value; then each value's steps.
  return {
    columns: ['breakdown_value', ...COLUMNS],
    rows: [
      ...report.steps.map((s) => ({ breakdown_value: null, ...row(s) })),
      ...report.breakdown.flatMap((b) => b.steps.map((s) => ({ breakdown_value: b.value, ...row(s) }))),
    ],
  };
}
