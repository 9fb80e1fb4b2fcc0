import { ExchangeRates, MAX_RATES, MAX_RATES_BYTES, upsertRates } from '../../ingest/exchangeRates.ts';
import { ExchangeRatesAnswer } from '../http/answers.ts';
import { defineRoute } from '../http/route.ts';
import type { RouteDeps } from './index.ts';

/** Exchange rates by day (docs/metrics.md, "Reporting currency"): what answers asked with currency=XXX convert with. */
export function exchangeRateRoutes({ warehouse }: RouteDeps) {
  return [
    defineRoute({
      method: 'put',
      path: '/v1/exchange-rates',
      operationId: 'upsertExchangeRates',
      response: ExchangeRatesAnswer,
      summary: 'Upserts daily exchange rates (date, base, quote, rate: one base is worth rate quote) for answers in a reporting currency',
      description:
        `A JSON array of rates, or NDJSON (one per line; content-type application/x-ndjson), at most ${MAX_RATES} and ` +
        `${MAX_RATES_BYTES} bytes per request. Each replaces the stored rate of its date and pair. The rate is an exact decimal ` +
        '(a string such as "0.9412", or a JSON number that prints as one). A row that does not validate refuses the whole request ' +
        '(400 naming its index and field); nothing is stored then. Answers the counts. docs/metrics.md, "Reporting currency".',
      tags: ['exchange rates'],
      roles: ['data', 'admin'],
      formats: ['json'],
      bodyBytes: MAX_RATES_BYTES,
      ndjson: true,
      body: ExchangeRates,
      handler: async ({ body }) => ({ json: await upsertRates(warehouse, body, Date.now()) }),
    }),
  ];
}
