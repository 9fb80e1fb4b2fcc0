import { MAX_PRODUCTS, MAX_PRODUCTS_BYTES, Products, upsertProducts } from '../../ingest/products.ts';
import { defineRoute } from '../http/route.ts';
import type { RouteDeps } from './index.ts';
import { ProductsAnswer } from '../http/answers.ts';

/** The product catalogue (docs/metrics.md, "Product names"): upserted by id, read through every answer's names. */
export function productRoutes({ warehouse }: RouteDeps) {
  return [
    defineRoute({
      method: 'put',
      path: '/v1/products',
      operationId: 'upsertProducts',
      response: ProductsAnswer,
      summary: 'Upserts products of the catalogue (id, name, category, brand, url, image_url, price_minor + currency)',
      description:
        `A JSON array of products, or NDJSON (one per line; content-type application/x-ndjson), at most ${MAX_PRODUCTS} and ` +
        `${MAX_PRODUCTS_BYTES} bytes per request. Each replaces its id's stored row unless that row has a later updated_at ` +
        "(default: now). Every answer's product names and categories come from the catalogue when it has the product, " +
        'from the events otherwise (docs/metrics.md). A row that does not validate refuses the whole request (400 naming ' +
        'its index and field); nothing is stored then. Answers the counts.',
      tags: ['products'],
      roles: ['data', 'admin'],
      formats: ['json'],
      bodyBytes: MAX_PRODUCTS_BYTES,
      ndjson: true,
      body: Products,
      handler: async ({ body }) => ({ json: await upsertProducts(warehouse, body, Date.now()) }),
    }),
  ];
}
