import { z } from 'zod';
import type { NamedWriter } from '../sql/warehouse.ts';
import { writeInChunks } from './chunkedWrite.ts';
import { CheckoutStarted } from './contract/events.ts';

/**
 * Exchange rates by day (docs/metrics.md, "Reporting currency"): on `date`, one unit of `base` is worth `rate`
 * units of `quote`. Reference data, not history: a rate sent again for the same date and pair replaces the
 * stored one. Answers asked with `currency=XXX` convert with them (projections/conversion.ts).
 */

/** At most this many rates per PUT /v1/exchange-rates (`carrello rates load` writes a file in parts of this many). */
export const MAX_RATES = 10_000;
/** At most this many bytes per PUT /v1/exchange-rates body (JSON or NDJSON). */
export const MAX_RATES_BYTES = 2 * 1024 * 1024;

/** A rate as exact decimal text: up to 20 integer digits and 18 decimals (the stores' DECIMAL(38, 18)). */
const DECIMAL = /^\d{1,20}(\.\d{1,18})?$/;

const Currency = CheckoutStarted.shape.currency;

/** Dates the contract's times can fall on (1900-01-01 to 2299-12-31). */
const date = z.iso
  .date()
  .refine((d) => d >= '1900-01-01' && d <= '2299-12-31', 'must lie between 1900-01-01 and 2299-12-31')
  .describe('the day the rate holds for (ISO date, e.g. 2026-03-01): amounts of that local day (in the answer’s tz) convert with it');

/**
 * The rate as a decimal string ("0.9412"), or a JSON number that prints as one (0.9412, not 1e-7): read
 * exactly, never through arithmetic on a float.
 */
const rate = z
  .union([z.string(), z.number()])
  .transform((v, ctx) => {
    const s = typeof v === 'number' ? String(v) : v.trim();
    if (!DECIMAL.test(s)) {
      ctx.addIssue({ code: 'custom', message: 'expected a decimal such as "0.9412" (at most 20 digits before the point and 18 after; no exponent)' });
      return z.NEVER;
    }
    if (!/[1-9]/.test(s)) {
      ctx.addIssue({ code: 'custom', message: 'expected a rate above 0' });
      return z.NEVER;
    }
    return s;
  })
  .describe('units of quote one unit of base is worth, as an exact decimal ("0.9412"; a JSON number is read as it prints)');

export const ExchangeRate = z
  .strictObject({
    date,
    base: Currency.describe('the currency converted from (ISO 4217)'),
    quote: Currency.describe('the currency converted into (ISO 4217)'),
    rate,
  })
  .refine((r) => r.base !== r.quote, { message: 'base and quote are the same currency', path: ['quote'] });
export type ExchangeRate = z.infer<typeof ExchangeRate>;

export const ExchangeRates = z.array(ExchangeRate).min(1).max(MAX_RATES, `at most ${MAX_RATES} rates per request`);

export interface RatesResult {
  /** Rows received. */
  received: number;
  /** Distinct (date, base, quote) among them: of a pair and day's rows, the last wins. */
  rates: number;
}

/** Stores the rates: each replaces its pair and day's stored rate. */
export async function upsertRates(writer: NamedWriter, rates: readonly ExchangeRate[], nowMs: number): Promise<RatesResult> {
  const byKey = new Map<string, string>();
  for (const r of rates) {
    byKey.set(`${r.base}/${r.quote}/${r.date}`, JSON.stringify({ day: r.date, base: r.base, quote: r.quote, rate: r.rate, updated_at: nowMs }));
  }
  await writeInChunks(writer, 'exchange_rates_upsert', 'rates', byKey.values());
  return { received: rates.length, rates: byKey.size };
}
