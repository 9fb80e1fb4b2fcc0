import { DateTime } from 'luxon';
import { currencyExponent } from '../sql/currency.ts';
import type { Warehouse } from '../sql/warehouse.ts';
import { MAX_VALUE_MINOR } from './replay.ts';

/**
 * Amounts of several currencies as one total in a reporting currency (docs/metrics.md, "Reporting
 * currency"). Each amount is a currency's sum over one local day (in the answer's tz); it converts with the
 * rate of that day, else the latest rate of the RATE_LOOKBACK_DAYS days before, else not at all (it is then
 * named in `unconverted`). A rate is base → quote (one base is worth rate quote): the amount's currency →
 * the reporting one, else the inverse of reporting → amount's currency; never through a third currency.
 * Products and sums are exact rationals; the total rounds once, half to even, to the reporting currency's
 * minor unit. The per-currency values stay as they are: this only adds beside them.
 */

/** A rate older than this many days before the amount's day does not apply: the amount is then unconverted. */
export const RATE_LOOKBACK_DAYS = 7;

/** One currency's amount on one local day (`YYYY-MM-DD` in the answer's tz), in its minor units. */
export interface DayAmount {
  currency: string;
  day: string;
  value_minor: number;
}

export interface RateUsed {
  currency: string;
  /** The day whose rate converted (the amount's day, or up to RATE_LOOKBACK_DAYS before). */
  rate_date: string;
  /** Units of the reporting currency one unit of `currency` was worth, as stored (or 1 / the stored inverse, then marked). */
  rate: string;
  inverse_of?: string;
}

export interface Unconverted {
  currency: string;
  value_minor: number;
  /** The amounts' days without a rate on the day or the RATE_LOOKBACK_DAYS days before. */
  days: string[];
  reason: 'no_rate';
}

/** The converted total of some amounts, beside (never instead of) their per-currency values. */
export interface Converted {
  currency: string;
  /** Of the amounts converted; those in `unconverted` are not in it. */
  value_minor: number;
  rates: RateUsed[];
  unconverted: Unconverted[];
}

/** A rate as an exact fraction. */
interface Fraction {
  n: bigint;
  d: bigint;
}

interface DayRate {
  day: string;
  f: Fraction;
  used: Omit<RateUsed, 'currency'>;
}

/** The rates into one reporting currency, per currency converted from, by day. */
export class RateTable {
  /** Per currency: its rates into the reporting currency in day order (direct ones win on a day with both). */
  private readonly byCurrency = new Map<string, DayRate[]>();

  constructor(
    readonly currency: string,
    rows: readonly { day: string; base: string; quote: string; rate: string }[],
  ) {
    const pick = new Map<string, Map<string, DayRate>>();
    for (const r of rows) {
      const direct = r.quote === currency;
      const from = direct ? r.base : r.quote;
      if (!direct && r.base !== currency) continue;
      const f = parseDecimal(r.rate);
      const days = pick.get(from) ?? new Map<string, DayRate>();
      pick.set(from, days);
      if (!direct && days.has(r.day)) continue;
      const rate = direct ? f : { n: f.d, d: f.n };
      days.set(r.day, {
        day: r.day,
        f: rate,
        used: direct
          ? { rate_date: r.day, rate: canonical(r.rate) }
          : { rate_date: r.day, rate: ratioText(rate), inverse_of: `${r.base}/${r.quote} ${canonical(r.rate)}` },
      });
    }
    for (const [c, days] of pick)
      this.byCurrency.set(
        c,
        [...days.values()].sort((a, b) => (a.day < b.day ? -1 : 1)),
      );
  }

  /** The rate an amount of `currency` on `day` converts with, or null. */
  rateOn(currency: string, day: string): DayRate | null {
    const days = this.byCurrency.get(currency);
    if (!days) return null;
    const earliest = shiftDay(day, -RATE_LOOKBACK_DAYS);
    for (let i = days.length - 1; i >= 0; i--) {
      const r = days[i]!;
      if (r.day > day) continue;
      return r.day >= earliest ? r : null;
    }
    return null;
  }
}

/**
 * The rates into `currency` (ISO 4217) that amounts of these days may use: read from the table as it is now
 * (rates are not versioned, so an answer's as_of does not select them), only when there are amounts.
 */
export async function readRates(warehouse: Warehouse, currency: string, amounts: Iterable<DayAmount>): Promise<RateTable> {
  let first: string | null = null;
  let last: string | null = null;
  for (const a of amounts) {
    if (first === null || a.day < first) first = a.day;
    if (last === null || a.day > last) last = a.day;
  }
  if (first === null || last === null) return new RateTable(currency, []);
  const rows = await warehouse.query('exchange_rates', { currency, from_day: shiftDay(first, -RATE_LOOKBACK_DAYS), to_day: last });
  return new RateTable(
    currency,
    rows.map((r) => ({ day: r.day, base: r.base, quote: r.quote, rate: r.rate })),
  );
}

/** The local day (ISO date in tz) of an instant, as the stores' queries name it. */
export function localDay(ms: number, tz: string): string {
  return DateTime.fromMillis(ms, { zone: tz }).toISODate()!;
}

/** The amounts' total in the table's currency, and those it could not convert. */
export function convert(amounts: readonly DayAmount[], table: RateTable): Converted {
  const target = table.currency;
  const eTarget = currencyExponent(target);
  let sum: Fraction = { n: 0n, d: 1n };
  const used = new Map<string, RateUsed>();
  const missing = new Map<string, { value: bigint; days: Set<string> }>();
  for (const a of amounts) {
    if (a.value_minor === 0) continue;
    if (a.currency === target) {
      sum = add(sum, { n: BigInt(a.value_minor), d: 1n });
      continue;
    }
    const rate = table.rateOn(a.currency, a.day);
    if (rate === null) {
      const m = missing.get(a.currency) ?? { value: 0n, days: new Set<string>() };
      m.value += BigInt(a.value_minor);
      m.days.add(a.day);
      missing.set(a.currency, m);
      continue;
    }
    // minor × rate × 10^(e_target − e_source): the amount in the target's minor units, exactly.
    const shift = eTarget - currencyExponent(a.currency);
    const n = BigInt(a.value_minor) * rate.f.n * 10n ** BigInt(Math.max(0, shift));
    const d = rate.f.d * 10n ** BigInt(Math.max(0, -shift));
    sum = add(sum, { n, d });
    used.set(`${a.currency} ${rate.day}`, { currency: a.currency, ...rate.used });
  }
  return {
    currency: target,
    value_minor: saturate(roundHalfEven(sum)),
    rates: [...used.values()].sort((a, b) => (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : a.rate_date < b.rate_date ? -1 : 1)),
    unconverted: [...missing]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([currency, m]) => ({ currency, value_minor: saturate(m.value), days: [...m.days].sort(), reason: 'no_rate' as const })),
  };
}

/**
 * Per-currency per-day sums of a group, kept beside its per-currency values, and converted when the answer
 * was asked in a reporting currency.
 */
export class DayAmounts {
  private readonly sums = new Map<string, bigint>();

  add(currency: string, day: string, value: number): void {
    const key = `${currency} ${day}`;
    this.sums.set(key, (this.sums.get(key) ?? 0n) + BigInt(value));
  }

  addAll(other: DayAmounts): void {
    for (const [k, v] of other.sums) this.sums.set(k, (this.sums.get(k) ?? 0n) + v);
  }

  list(): DayAmount[] {
    return [...this.sums].map(([k, v]) => {
      const [currency, day] = k.split(' ') as [string, string];
      return { currency, day, value_minor: saturate(v) };
    });
  }
}

/**
 * The converted total as table columns (CSV, Arrow), beside the per-currency ones: `<prefix>_converted_minor`,
 * `<prefix>_converted_currency`, and `<prefix>_unconverted_currencies` (those left out, "; "-separated; empty
 * when all converted). Nothing when the answer was not asked in a reporting currency.
 */
export function convertedColumns(prefix: string, c: Converted | null | undefined): Record<string, string | number | null> {
  if (c === undefined) return {};
  return {
    [`${prefix}_converted_minor`]: c === null ? null : c.value_minor,
    [`${prefix}_converted_currency`]: c === null ? null : c.currency,
    [`${prefix}_unconverted_currencies`]: c === null ? null : c.unconverted.map((u) => u.currency).join('; '),
  };
}

function add(a: Fraction, b: Fraction): Fraction {
  const n = a.n * b.d + b.n * a.d;
  const d = a.d * b.d;
  const g = gcd(n < 0n ? -n : n, d);
  return g > 1n ? { n: n / g, d: d / g } : { n, d };
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a === 0n ? 1n : a;
}

/** n / d rounded to the nearest integer, a tie to the even one (banker's rounding), exactly. */
export function roundHalfEven(f: Fraction): bigint {
  const negative = f.n < 0n;
  const n = negative ? -f.n : f.n;
  let q = n / f.d;
  const twice = 2n * (n - q * f.d);
  if (twice > f.d || (twice === f.d && q % 2n === 1n)) q += 1n;
  return negative ? -q : q;
}

/** Saturated at 2^53 - 1 as every value (docs/metrics.md, "Money values"). */
function saturate(v: bigint): number {
  const max = BigInt(MAX_VALUE_MINOR);
  return Number(v > max ? max : v < -max ? -max : v);
}

function parseDecimal(s: string): Fraction {
  const [whole, fraction = ''] = s.trim().split('.');
  const g = gcd(BigInt(`${whole}${fraction}`), 10n ** BigInt(fraction.length));
  return { n: BigInt(`${whole}${fraction}`) / g, d: 10n ** BigInt(fraction.length) / g };
}

/** A decimal without trailing zeros ("0.941200000000000000" → "0.9412"), as both stores may print it. */
function canonical(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** An inverse rate as a decimal when it is one (1 / 0.8 = 1.25), else as a fraction ("1/0.9412" reads as 10000/9412). */
function ratioText(f: Fraction): string {
  let d = f.d;
  let twos = 0;
  let fives = 0;
  while (d % 2n === 0n) [d, twos] = [d / 2n, twos + 1];
  while (d % 5n === 0n) [d, fives] = [d / 5n, fives + 1];
  if (d !== 1n) return `${f.n}/${f.d}`;
  const places = Math.max(twos, fives);
  const scaled = (f.n * 10n ** BigInt(places)) / f.d;
  const text = scaled.toString().padStart(places + 1, '0');
  return places === 0 ? text : canonical(`${text.slice(0, -places)}.${text.slice(-places)}`);
}

/** The ISO date `days` days after (before, when negative) `day`. */
export function shiftDay(day: string, days: number): string {
  return DateTime.fromISO(day, { zone: 'UTC' }).plus({ days }).toISODate()!;
}
