import { col, param, read, readEither } from './define.ts';

/**
 * The analyses' named queries: funnels, removals, quantity changes, audiences, a cart's events, product
 * names and the recovery report. Times are epoch milliseconds; money is an integer in minor units with its currency.
 */

/** The window every analysis takes: carts (or lines) started in [from_ms, to_ms), as they stood at as_of_ms. */
const window = { as_of_ms: param.int(), abandon_ms: param.int(), from_ms: param.int(), to_ms: param.int() };

/** The columns of a stored event as the replay reads them (cart_events.sql, lifecycle_events.sql). */
export const eventColumns = {
  event_id: col.text(),
  type: col.text(),
  occurred_at_ms: col.int(),
  sequence: col.intOrNull(),
  product_id: col.textOrNull(),
  product_name: col.textOrNull(),
  category: col.textOrNull(),
  unit_price_minor: col.intOrNull(),
  quantity: col.intOrNull(),
  from_quantity: col.intOrNull(),
  to_quantity: col.intOrNull(),
  customer_id: col.textOrNull(),
  anonymous_id: col.textOrNull(),
  currency: col.text(),
  channel: col.text(),
  campaign_name: col.textOrNull(),
  consent_marketing: col.boolOrNull(),
  cart_value_minor: col.intOrNull(),
  order_id: col.textOrNull(),
  total_minor: col.intOrNull(),
};

const funnelParams = {
  as_of_ms: param.int(),
  from_ms: param.int(),
  to_ms: param.int(),
  /** The steps and exclusions as JSON (projections/funnels/). */
  defs: param.text(),
  all_events: param.bool(),
  start_bits: param.int(),
  breakdown: param.text(),
};

/**
 * A funnel's matching events, read column by column (queryColumns): every column DOUBLE or VARCHAR. ClickHouse
 * groups them by entity (t, bits, breakdown as arrays); the columns are not checked row by row.
 */
const funnelColumns = { entity: col.num(), seq: col.num(), t: col.num(), bits: col.num(), rid: col.num(), breakdown: col.textOrNull() };

/** What became of a line's quantity, final against first added (quantity.sql). */
export const QUANTITY_DIRECTIONS = ['increased', 'decreased', 'unchanged', 'removed'] as const;

/** The dimensions the recovery report breaks episodes down by (recovery.sql). */
export const RECOVERY_DIMS = ['all', 'stage', 'channel', 'announced', 'campaign'] as const;

export const analysisQueries = {
  abandonment: read({
    params: { ...window, breakdown: param.text(), tz: param.text() },
    // One row per key (the breakdown's value, 'all' without one) and currency of the abandoned value.
    row: {
      key: col.text(),
      currency: col.text(),
      started: col.int(),
      checkout_started: col.int(),
      ordered: col.int(),
      abandoned: col.int(),
      abandoned_at_cart: col.int(),
      abandoned_at_checkout: col.int(),
      open: col.int(),
      emptied: col.int(),
      recovered: col.int(),
      abandoned_value_minor: col.int(),
      anomalies: col.int(),
    },
    reads: ['carts'],
  }),
  // Only asked in a reporting currency: abandonment.sql's abandoned value per key, currency and local day (in tz)
  // of the abandonment, whose exchange rate converts it (projections/conversion.ts).
  abandonment_value_days: read({
    params: { ...window, breakdown: param.text(), tz: param.text() },
    row: { key: col.text(), currency: col.text(), day: col.text(), abandoned_value_minor: col.int() },
    reads: ['carts'],
  }),
  removal: read({
    params: { ...window, group: param.text(), breakdown: param.text(), item: param.text(), tz: param.text() },
    // key is the product or category (the day with breakdown 'day'); NULL in the totals row.
    row: {
      key: col.textOrNull(),
      name: col.textOrNull(),
      category: col.textOrNull(),
      lines_added: col.int(),
      lines_removed: col.int(),
      removed_before_checkout: col.int(),
      removed_after_checkout: col.int(),
      readded: col.int(),
      kept: col.int(),
      kept_purchased: col.int(),
      kept_abandoned: col.int(),
      kept_open: col.int(),
      units_added: col.int(),
      units_removed: col.int(),
      median_ms_to_removal: col.numOrNull(),
    },
    reads: ['carts', 'lines'],
  }),
  quantity: read({
    params: { ...window, group: param.text() },
    row: {
      key: col.textOrNull(),
      direction: col.oneOf(QUANTITY_DIRECTIONS),
      name: col.textOrNull(),
      lines: col.int(),
      units_delta: col.int(),
      purchased: col.int(),
    },
    reads: ['carts', 'lines'],
  }),
  audience: readEither({
    params: {
      as_of_ms: param.int(),
      abandon_ms: param.int(),
      lookback_ms: param.int(),
      stage: param.text(),
      min_value_minor: param.int(),
      consent: param.text(),
      after_at: param.int(),
      after_cart: param.textOrNull(),
      limit: param.int(),
    },
    by: 'kind',
    rows: [
      // One abandoned cart of the page.
      {
        kind: col.oneOf(['cart']),
        cart_id: col.text(),
        customer_id: col.textOrNull(),
        anonymous_id: col.textOrNull(),
        stage: col.text(),
        value_minor: col.int(),
        currency: col.text(),
        items: col.int(),
        units: col.int(),
        channel: col.text(),
        campaign: col.textOrNull(),
        consent_marketing: col.boolOrNull(),
        // NULL for a cart with no add before as_of (a checkout or an order alone): the parity suite's fortnight has some.
        started_at: col.intOrNull(),
        last_activity_at: col.int(),
        checkout_started_at: col.intOrNull(),
        abandoned_at: col.int(),
        carts: col.none(),
      },
      // The whole audience's size and value in one currency.
      {
        kind: col.oneOf(['total']),
        cart_id: col.none(),
        customer_id: col.none(),
        anonymous_id: col.none(),
        stage: col.none(),
        value_minor: col.int(),
        currency: col.text(),
        items: col.none(),
        units: col.none(),
        channel: col.none(),
        campaign: col.none(),
        consent_marketing: col.none(),
        started_at: col.none(),
        last_activity_at: col.none(),
        checkout_started_at: col.none(),
        abandoned_at: col.none(),
        carts: col.int(),
      },
    ],
    reads: ['carts'],
  }),
  audience_lines: read({
    params: { as_of_ms: param.int(), cart_ids: param.jsonList(), active_from_ms: param.int() },
    row: {
      cart_id: col.text(),
      product_id: col.text(),
      product_name: col.textOrNull(),
      category: col.textOrNull(),
      quantity: col.int(),
      unit_price_minor: col.int(),
    },
    reads: ['carts', 'lines'],
  }),
  cart_events: read({
    params: { cart_id: param.text(), as_of_ms: param.int() },
    row: eventColumns,
    reads: [],
  }),
  // Only asked in a reporting currency: the audience's value (its filters and cursor) per currency and local day.
  audience_value_days: read({
    params: {
      as_of_ms: param.int(),
      abandon_ms: param.int(),
      lookback_ms: param.int(),
      stage: param.text(),
      min_value_minor: param.int(),
      consent: param.text(),
      after_at: param.int(),
      after_cart: param.textOrNull(),
      tz: param.text(),
    },
    row: { currency: col.text(), day: col.text(), day_value_minor: col.int() },
    reads: ['carts'],
  }),
  product_names: read({
    params: { as_of_ms: param.int(), product_ids: param.jsonList() },
    row: { product_id: col.text(), product_name: col.textOrNull(), category: col.textOrNull() },
    reads: ['products'],
  }),
  catalogue_names: read({
    params: { product_ids: param.jsonList() },
    // The catalogue's own: a product there always has a name.
    row: { product_id: col.text(), product_name: col.text(), category: col.textOrNull() },
    reads: [],
  }),
  recovery: readEither({
    // With value_days (a reporting currency asked), the value rows are split by local day in tz: of the abandonment
    // (abandoned_value) or of the recovering order (recovered_value); day is NULL otherwise.
    params: { as_of_ms: param.int(), from_ms: param.int(), to_ms: param.int(), max_campaigns: param.int(), value_days: param.bool(), tz: param.text() },
    by: 'part',
    rows: [
      // The episodes of one dimension's key, counted.
      {
        part: col.oneOf(['episodes']),
        dim: col.oneOf(RECOVERY_DIMS),
        key: col.text(),
        currency: col.none(),
        day: col.none(),
        episodes: col.int(),
        announced: col.int(),
        reactivated: col.int(),
        recovered: col.int(),
        via_other_cart: col.int(),
        median_ms_to_recovery: col.numOrNull(),
        value_minor: col.none(),
      },
      // Their abandoned or recovered value in one currency.
      {
        part: col.oneOf(['abandoned_value', 'recovered_value']),
        dim: col.oneOf(RECOVERY_DIMS),
        key: col.text(),
        currency: col.text(),
        day: col.textOrNull(),
        episodes: col.int(),
        announced: col.none(),
        reactivated: col.none(),
        recovered: col.none(),
        via_other_cart: col.none(),
        median_ms_to_recovery: col.none(),
        value_minor: col.int(),
      },
    ],
    reads: [],
  }),
  funnel_cart_events: read({ answer: 'columns', params: funnelParams, row: funnelColumns, reads: ['replay'] }),
  funnel_customer_events: read({ answer: 'columns', params: { ...funnelParams, until_ms: param.int() }, row: funnelColumns, reads: [] }),
};
