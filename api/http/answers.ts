import { z } from 'zod';
import { ABANDONMENT_COUNTS } from '../../projections/abandonmentCounts.ts';
import { REJECT_REASONS } from '../../ingest/pipeline/outcome.ts';

/**
 * The JSON answers of the API, one zod schema each: the routes declare them (`response`), /openapi.json
 * publishes them, the handlers' answers are type-checked against them, and the e2e suites validate every
 * answer they receive against the document. They describe what the projections return; an answer that
 * grows a field grows it here too, or the suites fail.
 */

/** An instant as every answer gives it: ISO-8601 UTC with milliseconds. */
export const Instant = z.iso.datetime().describe('ISO-8601 UTC instant, e.g. 2026-03-01T12:00:00.000Z');
/** A whole count; money in minor units is a count too (integers, never floats). */
const Count = z.int();
const Minor = z.int().describe('an amount in minor units of its currency (cents)');
const Rate = z.number().nullable().describe('a ratio in [0, 1]; null when its denominator is 0');
const Currency = z.string().describe('ISO 4217 code');
const ByCurrency = <K extends string>(count: K) =>
  z.array(z.object({ currency: Currency, value_minor: Minor, ...({ [count]: Count } as Record<K, typeof Count>) }));

/**
 * The total of some amounts converted into the reporting currency (asked with `currency=XXX`), beside (never
 * instead of) their per-currency values: the rates used and what had no rate (projections/conversion.ts).
 */
const Converted = z
  .object({
    currency: Currency.describe('the reporting currency'),
    value_minor: Minor.describe('the amounts converted, in its minor units; those in `unconverted` are not in it'),
    rates: z.array(
      z.object({
        currency: Currency,
        rate_date: z.iso.date().describe('the day whose rate converted: the amount’s local day, or up to 7 days before'),
        rate: z.string().describe('units of the reporting currency one unit of `currency` was worth, an exact decimal'),
        inverse_of: z.string().optional().describe('present when the rate is the inverse of the stored pair'),
      }),
    ),
    unconverted: z.array(z.object({ currency: Currency, value_minor: Minor, days: z.array(z.iso.date()), reason: z.literal('no_rate') })),
  })
  .optional()
  .describe('only with currency=XXX');
/** The converted-total columns of a table (CSV, Arrow), named `<prefix>_converted_minor`, `_converted_currency`, `_unconverted_currencies`. */
const convertedColumns = (prefix: string): Record<string, z.ZodOptional<z.ZodNullable<z.ZodType>>> => ({
  [`${prefix}_converted_minor`]: Minor.nullable().optional(),
  [`${prefix}_converted_currency`]: Currency.nullable().optional(),
  [`${prefix}_unconverted_currencies`]: z.string().nullable().optional().describe('"; "-separated'),
});

/** The window of the analyses: what they counted, as of when. */
const AnalysisHeader = {
  as_of: Instant,
  from: Instant,
  to: Instant,
  tz: z.string().describe('the IANA time zone of the answer’s days'),
  abandon_after_seconds: z.number(),
};

// ---------------------------------------------------------------- abandonment

const AbandonmentView = {
  funnel: z.array(z.object({ step: z.string().describe('started, checkout_started, ordered'), carts: Count, rate_from_previous: Rate, rate_from_first: Rate })),
  conversion_rate: Rate,
  abandonment_rate: Rate,
  abandoned: z.object({ carts: Count, at_cart: Count, at_checkout: Count, value_by_currency: ByCurrency('carts'), value_converted: Converted }),
  open: Count,
  emptied: Count,
  recovered: Count,
  anomalies: Count,
};

export const AbandonmentAnswer = z.object({
  ...AnalysisHeader,
  breakdown: z.enum(['none', 'channel', 'campaign', 'day']),
  ...AbandonmentView,
  breakdown_values: z
    .array(z.object({ value: z.string(), ...AbandonmentView }))
    .optional()
    .describe('absent with breakdown=none'),
});

// ---------------------------------------------------------------- removals and quantity changes

const RemovalCounts = {
  lines_added: Count,
  lines_removed: Count,
  removed_before_checkout: Count,
  removed_after_checkout: Count,
  readded: Count,
  kept: Count,
  kept_purchased: Count,
  kept_abandoned: Count,
  kept_open: Count,
  units_added: Count,
  units_removed: Count,
  removal_rate: Rate,
  median_seconds_to_removal: z.number().nullable(),
};

const LineGroup = z.enum(['product', 'category']);

const RemovalRanking = z.object({
  ...AnalysisHeader,
  group: LineGroup,
  min_adds: Count,
  totals: z.object(RemovalCounts),
  products: z
    .array(z.object({ key: z.string(), name: z.string().nullable().optional(), category: z.string().nullable().optional(), ...RemovalCounts }))
    .optional()
    .describe('with group=product'),
  categories: z
    .array(z.object({ key: z.string(), ...RemovalCounts }))
    .optional()
    .describe('with group=category'),
});

const RemovalByDay = z.object({
  ...AnalysisHeader,
  group: LineGroup,
  breakdown: z.literal('day'),
  item: z.string().nullable(),
  totals: z.object(RemovalCounts),
  days: z.array(z.object({ day: z.iso.date(), ...RemovalCounts })),
});

/** Ranked by product or category, or (breakdown=day) one row per local day. */
export const RemovalAnswer = z.union([RemovalRanking, RemovalByDay]);

const DirectionStats = z.object({ lines: Count, units_delta: z.int(), purchased: Count, purchase_rate: Rate });
const Directions = { increased: DirectionStats, decreased: DirectionStats, unchanged: DirectionStats, removed: DirectionStats };
const QuantityGroup = z.object({ key: z.string(), name: z.string().nullable().optional().describe('with group=product'), lines: Count, ...Directions });

export const QuantityAnswer = z.object({
  ...AnalysisHeader,
  group: LineGroup,
  totals: z.object(Directions),
  products: z.array(QuantityGroup).optional().describe('with group=product'),
  categories: z.array(QuantityGroup).optional().describe('with group=category'),
});

// ---------------------------------------------------------------- recovery

const RecoveryGroup = z.object({
  value: z.string(),
  abandoned: Count,
  announced: Count,
  reactivated: Count,
  recovered: Count,
  via_other_cart: Count,
  recovery_rate: Rate,
  abandoned_value_by_currency: ByCurrency('episodes'),
  recovered_value_by_currency: ByCurrency('episodes'),
  abandoned_value_converted: Converted,
  recovered_value_converted: Converted,
  median_ms_since_abandoned: z.number().nullable(),
});

const AnnouncedSplit = z.object({
  episodes: Count,
  recovered: Count,
  recovery_rate: Rate,
  recovered_value_by_currency: ByCurrency('episodes'),
  recovered_value_converted: Converted,
});

export const RecoveryAnswer = z.object({
  as_of: Instant,
  from: Instant,
  to: Instant,
  settled_through: Instant.nullable().describe('abandonments after this instant are not in the announcement log yet'),
  steps: z.array(
    z.object({
      step: z.string().describe('abandoned, announced, reactivated, recovered'),
      episodes: Count,
      rate_from_abandoned: Rate,
      via_other_cart: Count.optional(),
      value_by_currency: ByCurrency('episodes').optional(),
      value_converted: Converted,
      median_ms_since_abandoned: z.number().nullable().optional(),
    }),
  ),
  announced_vs_not: z.object({ announced: AnnouncedSplit, not_announced: AnnouncedSplit }),
  by_stage: z.array(RecoveryGroup),
  by_channel: z.array(RecoveryGroup),
  by_campaign: z.array(
    z.object({
      value: z.string(),
      reactivated: Count,
      announced: Count,
      recovered: Count,
      via_other_cart: Count,
      recovered_value_by_currency: ByCurrency('episodes'),
      recovered_value_converted: Converted,
      median_ms_since_abandoned: z.number().nullable(),
    }),
  ),
});

// ---------------------------------------------------------------- audiences

const AbandonedLine = z.object({
  product_id: z.string(),
  product_name: z.string().nullable(),
  category: z.string().nullable(),
  quantity: Count,
  unit_price_minor: Minor,
  value_minor: Minor,
});

export const AudienceCart = z.object({
  cart_id: z.string(),
  customer_id: z.string().nullable(),
  anonymous_id: z.string().nullable(),
  stage: z.string(),
  value_minor: Minor,
  currency: Currency,
  items: Count,
  units: Count,
  channel: z.string(),
  campaign: z.string().nullable(),
  consent_marketing: z.boolean().nullable(),
  started_at: Instant.nullable(),
  last_activity_at: Instant.nullable(),
  checkout_started_at: Instant.nullable(),
  abandoned_at: Instant.nullable(),
  value_converted: z
    .object({ currency: Currency, value_minor: Minor, rate_date: z.iso.date().nullable() })
    .nullable()
    .optional()
    .describe('only with currency=XXX: the cart’s value at the rate of its abandonment’s local day; null without a rate'),
  lines: z.array(AbandonedLine),
});

export const AudienceAnswer = z.object({
  as_of: Instant,
  abandon_after_seconds: z.number(),
  lookback_days: z.number(),
  filters: z.object({ stage: z.enum(['any', 'cart', 'checkout']), min_value_minor: Minor, consent: z.enum(['required', 'any']) }),
  audience: z.object({ carts: Count, value_by_currency: ByCurrency('carts'), value_converted: Converted }),
  count: Count,
  has_more: z.boolean(),
  next_cursor: z.string().describe('send back as since_cursor for the carts abandoned after this page'),
  carts: z.array(AudienceCart),
});

// ---------------------------------------------------------------- custom funnels

const StepSummary = z.object({
  index: Count,
  name: z.string(),
  type: z.string().nullable(),
  product_id: z.string().nullable(),
  category: z.string().nullable(),
  count: Count,
  conversion_from_previous: Rate,
  conversion_from_first: Rate,
  median_seconds_from_previous: z.number().nullable(),
  average_seconds_from_previous: z.number().nullable(),
});

export const FunnelAnswer = z.object({
  as_of: Instant,
  from: Instant,
  to: Instant,
  entity: z.enum(['cart', 'customer']),
  order: z.enum(['ordered', 'strict', 'unordered']),
  window_seconds: Count,
  steps: z.array(StepSummary),
  exclusions: z.array(z.object({ type: z.string(), product_id: z.string().nullable(), category: z.string().nullable(), between: z.tuple([Count, Count]) })),
  spoiled: Count,
  breakdown_by: z.enum(['channel', 'campaign', 'currency']).nullable(),
  breakdown: z
    .array(z.object({ value: z.string(), steps: z.array(StepSummary) }))
    .optional()
    .describe('with breakdown_by'),
  notes: z.array(z.string()),
});

// ---------------------------------------------------------------- carts

const CartLine = AbandonedLine;

export const CartAnswer = z.object({
  cart_id: z.string(),
  as_of: Instant,
  status: z.string(),
  stage: z.string().nullable(),
  currency: Currency.nullable(),
  value_minor: Minor,
  items: Count,
  units: Count,
  lines: z.array(CartLine),
  customer_id: z.string().nullable(),
  anonymous_id: z.string().nullable(),
  channel: z.string().nullable(),
  campaign: z.string().nullable(),
  consent_marketing: z.boolean().nullable(),
  started_at: Instant.nullable(),
  last_activity_at: Instant.nullable(),
  checkout_started_at: Instant.nullable(),
  ordered_at: Instant.nullable(),
  events: Count,
  anomalies: Count,
});

export const CartTimelineAnswer = z.object({
  cart: CartAnswer,
  timeline: z.array(
    z.object({
      position: Count,
      event_id: z.string(),
      type: z.string(),
      occurred_at: Instant,
      sequence: z.int().nullable(),
      product_id: z.string().nullable(),
      quantity: z.int().nullable(),
      from_quantity: z.int().nullable(),
      to_quantity: z.int().nullable(),
      unit_price_minor: Minor.nullable(),
      anomaly: z.boolean(),
      after: z.object({ items: Count, units: Count, value_minor: Minor, lines: z.array(CartLine) }),
    }),
  ),
});

// ---------------------------------------------------------------- lifecycle

export const AnnouncementsAnswer = z.object({
  announcements: z.array(
    z
      .object({
        seq: Count,
        id: z.string(),
        kind: z.string().describe('cart.abandoned, cart.reactivated or cart.recovered'),
        cart_id: z.string(),
        episode: Count,
        at: Instant,
      })
      .catchall(z.unknown())
      .describe('the announcement as webhooks receive it (docs/lifecycle.md), with its seq in the log'),
  ),
  next_after: Count.describe('send back as `after` for the next page'),
});

export const EndpointsAnswer = z.object({
  endpoints: z.array(
    z.object({
      name: z.string(),
      kinds: z.array(z.string()).nullable(),
      delivered_seq: Count,
      behind: Count,
      dead_letters: z.array(z.object({ seq: Count, id: z.string(), attempts: Count, reason: z.string() })),
      replays_requested: Count,
    }),
  ),
});

export const ReplayAnswer = z.object({ endpoint: z.string(), queued: Count });

// ---------------------------------------------------------------- products, SQL

export const ProductsAnswer = z.object({ received: Count, products: Count.describe('distinct product ids among them') });

export const ExchangeRatesAnswer = z.object({
  received: Count,
  rates: Count.describe('distinct (date, base, quote) among them: of a pair and day, the last row wins'),
});

export const SqlAnswer = z.object({
  columns: z.array(z.object({ name: z.string(), type: z.string().describe("the engine's type") })),
  rows: z.array(z.record(z.string(), z.unknown())).describe('64-bit integers as numbers while exact, as strings beyond; times ISO-8601 UTC'),
  row_count: Count,
  truncated: z.boolean(),
  truncated_by: z.enum(['max_rows', 'max_bytes']).nullable(),
  limits: z.object({ max_rows: Count, max_bytes: Count, timeout_ms: Count }),
  elapsed_ms: z.number(),
});

// ---------------------------------------------------------------- served outside the route table

export const IngestAnswer = z.object({
  accepted: Count,
  rejected: z.array(z.object({ index: Count, reason: z.enum(REJECT_REASONS), field: z.string().nullable(), detail: z.string() })),
});

export const SnapshotsAnswer = z.object({ accepted: Count, duplicates: Count, events_derived: Count, events_retracted: Count });

export const ShopifyIgnoredAnswer = z.object({ ignored: z.literal(true), topic: z.string() });

export const StatsAnswer = z.object({
  events_stored: Count,
  events_rejected: Count,
  carts: Count,
  first_event_at: Instant.nullable(),
  last_event_at: Instant.nullable(),
  last_received_at: Instant.nullable(),
  rejected_by_reason: z.record(z.string(), Count),
  timezone: z.string(),
  read_models: z.object({ pending_carts: Count, oldest_pending_at: Instant.nullable(), lag_seconds: z.number() }),
  ingest: z.object({ inserted: Count, duplicates: Count, rejected: Count, batches: Count, failed_batches: Count }),
});

export const HealthAnswer = z
  .object({ status: z.enum(['ok', 'stopping', 'degraded']), store: z.enum(['duckdb', 'clickhouse']) })
  .catchall(z.unknown())
  .describe("503 unless ok; in Kafka mode also the in-process worker's report");

/** The /healthz of a `carrello ingest` worker, on its own port (ingest/kafka/health.ts): 200 while it consumes. */
export const WorkerHealthAnswer = z.object({
  status: z.enum(['starting', 'running', 'stopping', 'stopped', 'failed']),
  topic: z.string(),
  group: z.string(),
  partitions: z.array(z.int()),
  retrying: z.array(z.int()).describe('partitions whose batch is held, waiting to be written again'),
  last_commit_at: Instant.nullable(),
  last_error: z.object({ code: z.string().nullable(), message: z.string(), at: Instant }).nullable(),
});

/** What /healthz answers: carrello start's report, or an ingest worker's. */
export const AnyHealthAnswer = z.union([HealthAnswer, WorkerHealthAnswer]);

// ---------------------------------------------------------------- table columns (CSV, Arrow)
// What gives each column of a table answer its Arrow type (api/http/formats.ts, arrowColumn): instants as
// Timestamp(ms, UTC), days as Date32, lists as List, counts and money as Int64, rates as Float64.

/** Amounts of a currency each in a column of its own, `<prefix>_<CUR>` (projections/currencyColumns.ts). */
const CurrencyColumns = Minor.nullable();

export const AbandonmentRow = z
  .object({
    key: z.string(),
    ...Object.fromEntries(ABANDONMENT_COUNTS.map((c) => [c, Count])),
    conversion_rate: Rate,
    abandonment_rate: Rate,
    ...convertedColumns('abandoned_value'),
  })
  .catchall(CurrencyColumns);

export const RemovalRow = z.object({
  product: z.string(),
  category: z.string().nullable(),
  name: z.string().nullable(),
  day: z.iso.date(),
  ...RemovalCounts,
});

export const QuantityRow = z.object({
  product: z.string(),
  category: z.string(),
  name: z.string().nullable(),
  direction: z.string(),
  lines: Count,
  units_delta: z.int(),
  purchased: Count,
  purchase_rate: Rate,
});

export const FunnelRow = z.object({ breakdown_value: z.string().nullable(), ...StepSummary.shape });

export const RecoveryRow = z
  .object({
    breakdown: z.string(),
    value: z.string(),
    abandoned: Count.nullable(),
    announced: Count,
    reactivated: Count,
    recovered: Count,
    via_other_cart: Count,
    recovery_rate: Rate,
    median_ms_since_abandoned: z.number().nullable(),
    ...convertedColumns('abandoned_value'),
    ...convertedColumns('recovered_value'),
  })
  .catchall(CurrencyColumns);

export const AudienceRow = AudienceCart.omit({ lines: true, value_converted: true }).extend({
  value_converted_minor: Minor.nullable().optional(),
  value_converted_currency: Currency.nullable().optional(),
  lines: z.array(z.string()).describe('one phrase per line: `Garden hose × 2 = 59.98 EUR`'),
  product_ids: z.array(z.string()),
  product_names: z.array(z.string().nullable()),
  quantities: z.array(Count),
  line_values_minor: z.array(Minor),
});

export const CartRow = z.object({ cart_id: z.string(), as_of: Instant, status: z.string(), currency: Currency.nullable(), ...AbandonedLine.shape });

export const TimelineRow = CartTimelineAnswer.shape.timeline.element
  .omit({ after: true })
  .extend({ items_after: Count, units_after: Count, value_minor_after: Minor });

// ---------------------------------------------------------------- the answers as TypeScript types

type Out<S extends z.ZodType> = z.output<S>;

/** The JSON answer of `GET path`: what the dashboards' getJson (dashboards/web/js/api.js) returns, by path. */
export type GetAnswer<P extends string> = P extends '/v1/stats'
  ? Out<typeof StatsAnswer>
  : P extends '/v1/funnels/abandonment'
    ? Out<typeof AbandonmentAnswer>
    : P extends '/v1/funnels/removal'
      ? Out<typeof RemovalAnswer>
      : P extends '/v1/funnels/quantity'
        ? Out<typeof QuantityAnswer>
        : P extends '/v1/funnels/recovery'
          ? Out<typeof RecoveryAnswer>
          : P extends '/v1/audiences/abandoned-carts'
            ? Out<typeof AudienceAnswer>
            : P extends `/v1/carts/${string}/events`
              ? Out<typeof CartTimelineAnswer>
              : P extends `/v1/carts/${string}`
                ? Out<typeof CartAnswer>
                : unknown;

/** The two forms of GET /v1/funnels/removal: ranked (the default), and breakdown=day. */
export type RemovalRankingAnswer = Out<typeof RemovalRanking>;
export type RemovalByDayAnswer = Out<typeof RemovalByDay>;
/** A ranked product (with its name and category) or category. */
export type RemovalGroup = NonNullable<RemovalRankingAnswer['products']>[number];

/** The JSON answer of `POST path`. */
export type PostAnswer<P extends string> = P extends '/v1/funnels' ? Out<typeof FunnelAnswer> : P extends '/v1/sql' ? Out<typeof SqlAnswer> : unknown;
