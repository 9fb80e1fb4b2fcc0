import { z } from 'zod';
import { currencyExponent } from '../sql/currency.ts';
import type { Warehouse } from '../sql/warehouse.ts';
import type { AbandonedLine } from './lifecycle.ts';
import { convert, localDay, readRates, type Converted, type RateTable } from './conversion.ts';
import { lineValue } from './replay.ts';
import { CarrelloError } from '../errors/carrelloError.ts';

export interface AudienceQuery {
  as_of: number;
  abandon_ms: number;
  /** Only carts abandoned within this long before as_of (abandoned_at > as_of − lookback_ms). */
  lookback_ms: number;
  stage: 'any' | 'cart' | 'checkout';
  min_value_minor: number;
  consent: 'required' | 'any';
  limit: number;
  /** Where the previous call stopped; null for the whole audience. */
  cursor: AudienceCursor | null;
  /** The time zone of the local days whose exchange rates convert (with `currency`): IANA, default UTC. */
  tz?: string;
  /** A reporting currency (ISO 4217): values are also given converted into it (projections/conversion.ts). */
  currency?: string;
}

/** Position in (abandoned_at, cart_id) order; `c: null` means every cart abandoned at or before `a` was seen. */
export interface AudienceCursor {
  a: number;
  c: string | null;
}

/** The instants an ISO-8601 parameter can name (0000-01-01 to 9999-12-31T23:59:59.999Z): every abandonment lies within. */
const MIN_CURSOR_MS = -62_167_219_200_000;
const MAX_CURSOR_MS = 253_402_300_799_999;

export function encodeCursor(c: AudienceCursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

/**
 * What a cursor may hold: a position this API could have returned. The client sends it back, so it is
 * checked like any input: an `a` past 2^53 or 1e308 is not an instant a store can compare (it was a 500).
 */
const Cursor = z.strictObject({
  a: z.int().min(MIN_CURSOR_MS).max(MAX_CURSOR_MS),
  c: z.string().min(1).max(128).nullable(),
});

export function decodeCursor(s: string): AudienceCursor {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
  } catch {
    // Not JSON: refused below like any other value that is not a cursor.
  }
  const cursor = Cursor.safeParse(json);
  if (cursor.success) return cursor.data;
  throw new CarrelloError('invalid_cursor', 'since_cursor is not a cursor this API returned');
}

const DAY_MS = 86_400_000;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * A cart's lines as table columns (CSV, Arrow) a campaign tool or a person reads: `lines`, one phrase per
 * line (`Garden hose × 2 = 59.98 EUR`, the product id without a name), and the same lines' product ids,
 * names, quantities and values in parallel lists: Arrow Lists, CSV cells with the items separated by "; "
 * (api/http/formats.ts). JSON keeps the lines as objects.
 */
export function lineColumns(lines: readonly AbandonedLine[], currency: string) {
  return {
    lines: lines.map((l) => `${l.product_name ?? l.product_id} × ${l.quantity} = ${major(l.value_minor, currency)} ${currency}`),
    product_ids: lines.map((l) => l.product_id),
    product_names: lines.map((l) => l.product_name),
    quantities: lines.map((l) => l.quantity),
    line_values_minor: lines.map((l) => l.value_minor),
  };
}

/** Minor units as the currency's major units, exactly (2 decimals for EUR, 0 for JPY, 3 for KWD). */
function major(minor: number, currency: string): string {
  const digits = currencyExponent(currency);
  if (digits === 0) return String(minor);
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  return `${minor < 0 ? '-' : ''}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/**
 * Abandoned carts a campaign may target, oldest abandonment first, one page at a time. The cursor
 * lets a campaign tool fetch only carts abandoned since its last call.
 */
export async function abandonedCartAudience(warehouse: Warehouse, q: AudienceQuery) {
  const params = {
    as_of_ms: q.as_of,
    abandon_ms: q.abandon_ms,
    lookback_ms: q.lookback_ms,
    stage: q.stage,
    min_value_minor: q.min_value_minor,
    consent: q.consent,
    after_at: q.cursor?.a ?? -1,
    after_cart: q.cursor?.c ?? null,
  };
  const [result, valueDays] = await Promise.all([
    warehouse.query('audience', { ...params, limit: q.limit }),
    q.currency === undefined ? null : warehouse.query('audience_value_days', { ...params, tz: q.tz ?? 'UTC' }),
  ]);
  const amounts = (valueDays ?? []).map((r) => ({ currency: r.currency, day: r.day, value_minor: r.day_value_minor }));
  const rates = q.currency === undefined ? null : await readRates(warehouse, q.currency, amounts);
  const rows = result.flatMap((r) => (r.kind === 'cart' ? [r] : []));
  const summary = result.flatMap((r) => (r.kind === 'total' ? [r] : []));
  const ids = rows.map((r) => r.cart_id);
  // Every cart of the page was last active at or after the earliest of them: a bound the stores' indexes reach.
  const activeFrom = Math.min(...rows.map((r) => r.last_activity_at));
  const lineRows =
    ids.length === 0 ? [] : await warehouse.query('audience_lines', { as_of_ms: q.as_of, cart_ids: JSON.stringify(ids), active_from_ms: activeFrom });
  const lines = new Map<string, AbandonedLine[]>();
  for (const l of lineRows) {
    const { cart_id: id, product_id, product_name, category, quantity, unit_price_minor } = l;
    if (!lines.has(id)) lines.set(id, []);
    lines.get(id)!.push({
      product_id,
      product_name,
      category,
      quantity,
      unit_price_minor,
      // Saturated at 2^53 - 1 as every value (docs/metrics.md, "Money values").
      value_minor: lineValue({ quantity, unit_price_minor }),
    });
  }
  const carts = rows.map((r) => ({
    cart_id: r.cart_id,
    customer_id: r.customer_id,
    anonymous_id: r.anonymous_id,
    stage: r.stage,
    value_minor: r.value_minor,
    currency: r.currency,
    items: r.items,
    units: r.units,
    channel: r.channel,
    campaign: r.campaign,
    consent_marketing: r.consent_marketing,
    started_at: iso(r.started_at),
    last_activity_at: iso(r.last_activity_at),
    checkout_started_at: iso(r.checkout_started_at),
    abandoned_at: iso(r.abandoned_at),
    ...(rates === null
      ? {}
      : { value_converted: r.abandoned_at === null ? null : cartConverted(r.value_minor, r.currency, r.abandoned_at, q.tz ?? 'UTC', rates) }),
    lines: lines.get(r.cart_id) ?? [],
  }));
  const last = rows[rows.length - 1];
  const full = rows.length === q.limit && last !== undefined;
  const next: AudienceCursor = full ? { a: last.abandoned_at, c: last.cart_id } : { a: q.as_of, c: null };
  const byCurrency = summary.map((s) => ({ currency: s.currency, carts: s.carts, value_minor: s.value_minor }));
  return {
    json: {
      as_of: new Date(q.as_of).toISOString(),
      abandon_after_seconds: q.abandon_ms / 1000,
      lookback_days: q.lookback_ms / DAY_MS,
      filters: { stage: q.stage, min_value_minor: q.min_value_minor, consent: q.consent },
      audience: {
        carts: byCurrency.reduce((s, c) => s + c.carts, 0),
        value_by_currency: byCurrency,
        ...(rates === null ? {} : { value_converted: convert(amounts, rates) }),
      },
      count: carts.length,
      has_more: full,
      next_cursor: encodeCursor(next),
      carts,
    },
    table: {
      rows: carts.map(({ lines: l, value_converted: converted, ...c }) => ({
        ...c,
        ...(converted === undefined ? {} : { value_converted_minor: converted?.value_minor ?? null, value_converted_currency: converted?.currency ?? null }),
        ...lineColumns(l, c.currency),
      })),
    },
  };
}

/** One cart's value in the reporting currency, at the rate of its abandonment's local day; null without one. */
function cartConverted(
  value: number,
  currency: string,
  abandonedAt: number,
  tz: string,
  rates: RateTable,
): (Pick<Converted, 'currency' | 'value_minor'> & { rate_date: string | null }) | null {
  const c = convert([{ currency, day: localDay(abandonedAt, tz), value_minor: value }], rates);
  if (c.unconverted.length > 0) return null;
  return { currency: c.currency, value_minor: c.value_minor, rate_date: c.rates[0]?.rate_date ?? null };
}
