import { z } from 'zod';
import type { NamedWriter } from '../sql/warehouse.ts';
import { writeInChunks } from './chunkedWrite.ts';
import { CheckoutStarted, Item } from './contract/events.ts';

/**
 * The product catalogue (docs/metrics.md, "Product names"): what a shop says about its products, beside the
 * events. Names and categories of every answer come from it when it has the product, from the events
 * otherwise. Reference data, not history: a product's row is replaced whole by a newer write.
 */

/** At most this many products per PUT /v1/products or per CSV file. */
export const MAX_PRODUCTS = 10_000;
/** At most this many bytes per PUT /v1/products body (JSON or NDJSON). */
export const MAX_PRODUCTS_BYTES = 5 * 1024 * 1024;

const webUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).max(2048);

export const Product = z
  .strictObject({
    id: Item.shape.product_id.describe("the product's id, as events carry it in item.product_id"),
    name: Item.shape.name.unwrap().min(1),
    category: Item.shape.category,
    brand: Item.shape.brand,
    url: webUrl.optional(),
    image_url: webUrl.optional(),
    price_minor: Item.shape.unit_price_minor.optional(),
    currency: CheckoutStarted.shape.currency.optional(),
    updated_at: z.iso
      .datetime({ precision: 3, offset: true })
      .optional()
      .describe(
        'when the shop changed the product (ISO-8601 with milliseconds); default: when carrello receives it. A write older than the stored row changes nothing',
      ),
  })
  .refine((p) => (p.price_minor === undefined) === (p.currency === undefined), {
    message: 'price_minor and currency come together (a price is an integer in minor units of its currency)',
    path: ['currency'],
  });
export type Product = z.infer<typeof Product>;

export const Products = z.array(Product).min(1).max(MAX_PRODUCTS, `at most ${MAX_PRODUCTS} products per request`);

export interface UpsertResult {
  /** Rows received. */
  received: number;
  /** Distinct product ids among them (of an id's rows, the latest updated_at wins; the last on a tie). */
  products: number;
}

/**
 * Stores the products: each replaces its id's stored row unless that row is newer (updated_at).
 */
export async function upsertProducts(writer: NamedWriter, products: readonly Product[], nowMs: number): Promise<UpsertResult> {
  const byId = new Map<string, ReturnType<typeof toRow>>();
  for (const p of products) {
    const row = toRow(p, nowMs);
    const held = byId.get(p.id);
    // As if they had come one after the other: a later row wins unless it is older.
    if (held === undefined || row.updated_at >= held.updated_at) byId.set(p.id, row);
  }
  await writeInChunks(
    writer,
    'products_upsert',
    'products',
    [...byId.values()].map((row) => JSON.stringify(row)),
  );
  return { received: products.length, products: byId.size };
}

function toRow(p: Product, nowMs: number) {
  return {
    id: p.id,
    name: p.name,
    category: p.category ?? null,
    brand: p.brand ?? null,
    url: p.url ?? null,
    image_url: p.image_url ?? null,
    price_minor: p.price_minor ?? null,
    currency: p.currency ?? null,
    updated_at: p.updated_at === undefined ? nowMs : Date.parse(p.updated_at),
  };
}
