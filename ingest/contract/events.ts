/**
 * Event contract v1: the zod schemas are the contract. Types are inferred from them, the JSON Schema
 * file beside this one is generated from them, and every ingest path validates with them.
 * Change the shape only with a schema_version bump.
 */
import { z } from 'zod';

export const SCHEMA_VERSION = 1 as const;

export const EVENT_TYPES = ['cart.item_added', 'cart.item_removed', 'cart.item_quantity_changed', 'cart.checkout_started', 'order.placed'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const CHANNELS = ['web', 'app', 'store', 'marketplace'] as const;

/**
 * The times every supported store holds as they are: ClickHouse's DateTime64 range. A time outside it
 * (e.g. `0000-01-01T00:00:00.000+01:00`, year -1 once in UTC) is a valid ISO-8601 text that ClickHouse
 * refuses to insert (CANNOT_PARSE_DATETIME) while DuckDB stores it: refused here, so that both agree.
 */
export const OCCURRED_AT_RANGE = { from: '1900-01-01T00:00:00.000Z', to: '2299-12-31T23:59:59.999Z' } as const;
const OCCURRED_FROM_MS = Date.parse(OCCURRED_AT_RANGE.from);
const OCCURRED_TO_MS = Date.parse(OCCURRED_AT_RANGE.to);
const inStorableRange = (iso: string): boolean => {
  const ms = Date.parse(iso);
  return ms >= OCCURRED_FROM_MS && ms <= OCCURRED_TO_MS;
};

const ISO_CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

/**
 * The largest amount of money one value of the contract may carry, in minor units: a price, a cart value,
 * an order total, and a line's quantity × unit price. 10^15 minor units is 10 trillion in a two-decimal
 * currency, beyond any real cart line, and it keeps every sum carrello computes exact: a line's value is
 * an exact JSON number (< 2^53), and a cart's value is exact in int64 up to 9,223 lines at this maximum.
 * Sums that could still pass 2^53 (a cart of 10 such lines, a currency's total over many carts) are
 * computed in a wide type and saturate at MAX_SAFE_INTEGER: docs/metrics.md, "Money values".
 */
export const MAX_AMOUNT_MINOR = 1_000_000_000_000_000;
/** The most units one event may carry. */
export const MAX_QUANTITY = 1_000_000;

/**
 * Free text (ids, names, labels) never holds U+0000: C strings, Postgres text and many log and CSV tools
 * end or refuse a string at NUL, so a NUL in an id would let two different ids meet downstream.
 */
// The pattern holds the escape as text, so its source (and the JSON Schema's pattern) reads `^[^\u0000]*$`.
const NUL_ESCAPE = '\\u0000';
const noNul = (s: z.ZodString) => s.regex(new RegExp(`^[^${NUL_ESCAPE}]*$`), 'must not contain the NUL character (U+0000)');
/** Identifiers are opaque strings, bounded so that a hostile producer cannot blow up a row. */
const id = noNul(z.string().min(1).max(128));
const label = noNul(z.string().max(256));
const minor = z.int().min(0).max(MAX_AMOUNT_MINOR).describe('integer amount in minor units (cents), at most 10^15');
const units = z.int().min(1).max(MAX_QUANTITY);

/** A line's value (quantity × unit price) must fit MAX_AMOUNT_MINOR; refused on the quantity field. */
const lineFits = (quantity: number, unitPriceMinor: number): boolean => quantity * unitPriceMinor <= MAX_AMOUNT_MINOR;
const lineTooLarge = (path: string) => ({
  message: `${path} × unit_price_minor must not exceed ${MAX_AMOUNT_MINOR} minor units`,
  path: [path],
});

export const Item = z.object({
  product_id: id,
  sku: id.optional(),
  name: label.optional(),
  category: label.optional(),
  brand: label.optional(),
  unit_price_minor: minor,
});

export const Campaign = z.object({
  source: label.optional(),
  medium: label.optional(),
  name: label.optional(),
});

export const Consent = z.object({ marketing: z.boolean() });

const envelope = {
  event_id: z.uuid().describe('idempotency key: the same event_id is stored once'),
  schema_version: z.literal(SCHEMA_VERSION),
  occurred_at: z.iso
    .datetime({ precision: 3, offset: true })
    .refine(inStorableRange, `must lie between ${OCCURRED_AT_RANGE.from} and ${OCCURRED_AT_RANGE.to} (UTC)`)
    .describe('producer time, ISO-8601 with milliseconds, e.g. 2026-03-01T10:15:00.123Z; between 1900 and 2299 (UTC)'),
  sequence: z.int().min(0).max(Number.MAX_SAFE_INTEGER).optional().describe("the cart aggregate's version; when present it orders the cart's events"),
  cart_id: id,
  customer_id: id.nullable().optional(),
  anonymous_id: id.nullable().optional(),
  session_id: id.nullable().optional(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as EUR')
    .refine((c) => ISO_CURRENCIES.has(c), 'unknown ISO 4217 currency code'),
  channel: z.enum(CHANNELS),
  campaign: Campaign.optional(),
  consent: Consent.optional(),
};

export const ItemAdded = z
  .object({
    ...envelope,
    type: z.literal('cart.item_added'),
    item: Item,
    quantity: units,
  })
  .refine((e) => lineFits(e.quantity, e.item.unit_price_minor), lineTooLarge('quantity'));

export const ItemRemoved = z
  .object({
    ...envelope,
    type: z.literal('cart.item_removed'),
    item: Item,
    quantity: units.describe('units removed; the line leaves the cart'),
  })
  .refine((e) => lineFits(e.quantity, e.item.unit_price_minor), lineTooLarge('quantity'));

export const ItemQuantityChanged = z
  .object({
    ...envelope,
    type: z.literal('cart.item_quantity_changed'),
    item: Item,
    from_quantity: units,
    to_quantity: units,
  })
  .refine((e) => e.from_quantity !== e.to_quantity, {
    message: 'to_quantity must differ from from_quantity',
    path: ['to_quantity'],
  })
  .refine((e) => lineFits(e.from_quantity, e.item.unit_price_minor), lineTooLarge('from_quantity'))
  .refine((e) => lineFits(e.to_quantity, e.item.unit_price_minor), lineTooLarge('to_quantity'));

export const CheckoutStarted = z.object({
  ...envelope,
  type: z.literal('cart.checkout_started'),
  cart_value_minor: minor.optional(),
});

export const OrderLine = z
  .object({
    product_id: id,
    quantity: units,
    unit_price_minor: minor,
  })
  .refine((l) => lineFits(l.quantity, l.unit_price_minor), lineTooLarge('quantity'));

export const OrderPlaced = z.object({
  ...envelope,
  type: z.literal('order.placed'),
  order_id: id,
  total_minor: minor,
  items: z.array(OrderLine).min(1).max(1000),
});

export const CartEvent = z.discriminatedUnion('type', [ItemAdded, ItemRemoved, ItemQuantityChanged, CheckoutStarted, OrderPlaced]);

export type CartEvent = z.infer<typeof CartEvent>;
export type CartEventOf<T extends EventType> = Extract<CartEvent, { type: T }>;
export type Item = z.infer<typeof Item>;
export type OrderLine = z.infer<typeof OrderLine>;
