import { col, param, read } from './define.ts';

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
      direction: col.text(),
      name: col.textOrNull(),
      lines: col.int(),
      units_delta: col.int(),
      purchased: col.int(),
    },
    reads: ['carts', 'lines'],
  }),
  audience: read({
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
    // kind 'cart': one abandoned cart of the page; kind 'total': the audience's size and value in one currency.
    row: {
      kind: col.oneOf(['cart', 'total']),
      cart_id: col.textOrNull(),
      customer_id: col.textOrNull(),
      anonymous_id: col.textOrNull(),
      stage: col.textOrNull(),
      value_minor: col.int(),
      currency: col.text(),
      items: col.intOrNull(),
      units: col.intOrNull(),
      channel: col.textOrNull(),
      campaign: col.textOrNull(),
      consent_marketing: col.boolOrNull(),
      started_at: col.intOrNull(),
      last_activity_at: col.intOrNull(),
      checkout_started_at: col.intOrNull(),
      abandoned_at: col.intOrNull(),
      carts: col.intOrNull(),
    },
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
  product_names: read({
    params: { as_of_ms: param.int(), product_ids: param.jsonList() },
    row: { product_id: col.text(), product_name: col.textOrNull(), category: col.textOrNull() },
    reads: ['products'],
  }),
  catalogue_names: read({
    params: { product_ids: param.jsonList() },
    row: { product_id: col.text(), product_name: col.textOrNull(), category: col.textOrNull() },
    reads: [],
  }),
  recovery: read({
    params: { as_of_ms: param.int(), from_ms: param.int(), to_ms: param.int(), max_campaigns: param.int() },
    // part 'episodes': counts per dimension and key; 'abandoned_value' / 'recovered_value': one currency's sum.
    row: {
      part: col.oneOf(['episodes', 'abandoned_value', 'recovered_value']),
      dim: col.text(),
      key: col.text(),
      currency: col.textOrNull(),
      episodes: col.int(),
      announced: col.intOrNull(),
      reactivated: col.intOrNull(),
      recovered: col.intOrNull(),
      via_other_cart: col.intOrNull(),
      median_ms_to_recovery: col.numOrNull(),
      value_minor: col.intOrNull(),
    },
    reads: [],
  }),
  funnel_cart_events: read({ answer: 'columns', params: funnelParams, row: funnelColumns, reads: ['replay'] }),
  funnel_customer_events: read({ answer: 'columns', params: { ...funnelParams, until_ms: param.int() }, row: funnelColumns, reads: [] }),
};
