/**
 * A cart snapshot: the whole cart as a shop platform sends it on every change (Shopify's carts/update,
 * WooCommerce, most monoliths). Not an event of the contract: carrello derives the contract's v1 events
 * from the difference between a cart's consecutive snapshots (derive.ts). Validated with zod, fields named
 * as the events name them, bounded as the events are.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Campaign, CheckoutStarted, Item, MAX_AMOUNT_MINOR, MAX_QUANTITY } from '../contract/events.ts';

export const SNAPSHOT_STATUSES = ['open', 'checkout', 'ordered'] as const;
/** The most lines one snapshot may hold (an order.placed holds at most 1,000 items). */
export const MAX_SNAPSHOT_LINES = 1_000;

const envelope = CheckoutStarted.shape;
const id = Item.shape.product_id;

export const SnapshotLine = z.object({
  product_id: id,
  quantity: z.int().min(1).max(MAX_QUANTITY).describe('units in the cart; a line that left the cart is left out'),
  unit_price_minor: Item.shape.unit_price_minor,
  product_name: Item.shape.name,
  category: Item.shape.category,
  sku: Item.shape.sku,
  brand: Item.shape.brand,
});

export const CartSnapshot = z
  .object({
    snapshot_id: id.optional().describe('idempotency key; when absent, a hash of the snapshot is'),
    cart_id: id,
    occurred_at: envelope.occurred_at,
    currency: envelope.currency,
    lines: z.array(SnapshotLine).max(MAX_SNAPSHOT_LINES),
    customer_id: envelope.customer_id,
    anonymous_id: envelope.anonymous_id,
    session_id: envelope.session_id,
    channel: envelope.channel,
    campaign: Campaign.optional(),
    consent_marketing: z.boolean().optional(),
    status: z.enum(SNAPSHOT_STATUSES).optional().describe("default 'open'"),
    order_id: id.optional(),
    total_minor: Item.shape.unit_price_minor.optional(),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.lines.forEach((l, i) => {
      if (seen.has(l.product_id))
        ctx.addIssue({
          code: 'custom',
          message: `product_id ${JSON.stringify(l.product_id)} is in two lines; send one line per product`,
          path: ['lines', i, 'product_id'],
        });
      seen.add(l.product_id);
      if (l.quantity * l.unit_price_minor > MAX_AMOUNT_MINOR) {
        ctx.addIssue({
          code: 'custom',
          message: `quantity × unit_price_minor must not exceed ${MAX_AMOUNT_MINOR} minor units`,
          path: ['lines', i, 'quantity'],
        });
      }
    });
    if (s.status === 'ordered') {
      if (s.order_id === undefined) ctx.addIssue({ code: 'custom', message: "is required when status is 'ordered'", path: ['order_id'] });
      if (s.lines.length === 0) ctx.addIssue({ code: 'custom', message: 'an ordered cart holds at least one line', path: ['lines'] });
      if (s.total_minor === undefined && linesValue(s.lines) > MAX_AMOUNT_MINOR) {
        ctx.addIssue({ code: 'custom', message: `is required when the lines are worth more than ${MAX_AMOUNT_MINOR} minor units`, path: ['total_minor'] });
      }
    }
  });

export type CartSnapshot = z.infer<typeof CartSnapshot>;
export type SnapshotLine = z.infer<typeof SnapshotLine>;

/** A stored snapshot: always with its id (given, or the hash of its content). */
export type KeptSnapshot = CartSnapshot & { snapshot_id: string };

/** Σ quantity × unit price, summed exactly; exact as a number up to 2^53 (callers compare it with 10^15). */
export function linesValue(lines: readonly SnapshotLine[]): number {
  return Number(lines.reduce((sum, l) => sum + BigInt(l.quantity) * BigInt(l.unit_price_minor), 0n));
}

/**
 * The snapshot with its id: the one given, or `h:` + a hash of its content (keys sorted), so that the same
 * snapshot sent twice without an id is kept once.
 */
export function withId(s: CartSnapshot): KeptSnapshot {
  if (s.snapshot_id !== undefined) return { ...s, snapshot_id: s.snapshot_id };
  const digest = createHash('sha256').update(canonicalJson(s)).digest('hex');
  return { ...s, snapshot_id: `h:${digest.slice(0, 40)}` };
}

/** JSON with every object's keys sorted and undefined left out: the same value gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
