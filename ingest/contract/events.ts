/**
 * Event contract v1: the zod schemas are the contract. Types are inferred from them, the JSON Schema
 * file beside this one is generated from them, and every ingest path validates with them.
 * Change the shape only with a schema_version bump.
 */
import { z } from 'zod';

export const SCHEMA_VERSION = 1 as const;

export const EVENT_TYPES = [
  'cart.item_added',
  'cart.item_removed',
  'cart.item_quantity_changed',
  'cart.checkout_started',
  'order.placed',
] as const;
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

/** Identifiers are opaque strings, bounded so that a hostile producer cannot blow up a row. */
const id = z.string().min(1).max(128);
const label = z.string().max(256);
const minor = z.int().min(0).max(Number.MAX_SAFE_INTEGER).describe('integer amount in minor units (cents)');
const units = z.int().min(1).max(1_000_000);

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
  sequence: z.int().min(0).max(Number.MAX_SAFE_INTEGER).optional()
    .describe("the cart aggregate's version; when present it orders the cart's events"),
  cart_id: id,
  customer_id: id.nullable().optional(),
  anonymous_id: id.nullable().optional(),
  session_id: id.nullable().optional(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as EUR')
    .refine((c) => ISO_CURRENCIES.has(c), 'unknown ISO 4217 currency code'),
  channel: z.enum(CHANNELS),
  campaign: Campaign.optional(),
  consent: Consent.optional(),
};

export const ItemAdded = z.object({
  ...envelope,
  type: z.literal('cart.item_added'),
  item: Item,
  quantity: units,
});

export const ItemRemoved = z.object({
  ...envelope,
  type: z.literal('cart.item_removed'),
  item: Item,
  quantity: units.describe('units removed; the line leaves the cart'),
});

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
  });

export const CheckoutStarted = z.object({
  ...envelope,
  type: z.literal('cart.checkout_started'),
  cart_value_minor: minor.optional(),
});

export const OrderLine = z.object({
  product_id: id,
  quantity: units,
  unit_price_minor: minor,
});

export const OrderPlaced = z.object({
  ...envelope,
  type: z.literal('order.placed'),
  order_id: id,
  total_minor: minor,
  items: z.array(OrderLine).min(1).max(1000),
});

export const CartEvent = z.discriminatedUnion('type', [
  ItemAdded,
  ItemRemoved,
  ItemQuantityChanged,
  CheckoutStarted,
  OrderPlaced,
]);

export type CartEvent = z.infer<typeof CartEvent>;
export type CartEventOf<T extends EventType> = Extract<CartEvent, { type: T }>;
export type Item = z.infer<typeof Item>;
export type OrderLine = z.infer<typeof OrderLine>;
