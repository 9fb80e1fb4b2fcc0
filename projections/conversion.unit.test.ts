import { describe, expect, it } from 'vitest';
import { convert, RateTable, roundHalfEven } from './conversion.ts';

const rates = (currency: string, ...rows: [string, string, string, string][]) =>
  new RateTable(
    currency,
    rows.map(([day, base, quote, rate]) => ({ day, base, quote, rate })),
  );

describe('converting to a reporting currency', () => {
  it('adds the amounts at their day’s rate, rounding once, half to even', () => {
    // Given 10.00 EUR and 20.00 CHF on 2026-03-02, one CHF worth 0.9412 EUR that day
    const table = rates('EUR', ['2026-03-02', 'CHF', 'EUR', '0.941200000000000000']);
    // then 1000 + 2000 × 0.9412 = 2882.4 EUR cents round to 2882, stating the rate and its date.
    expect(
      convert(
        [
          { currency: 'EUR', day: '2026-03-02', value_minor: 1000 },
          { currency: 'CHF', day: '2026-03-02', value_minor: 2000 },
        ],
        table,
      ),
    ).toEqual({
      currency: 'EUR',
      value_minor: 2882,
      rates: [{ currency: 'CHF', rate_date: '2026-03-02', rate: '0.9412' }],
      unconverted: [],
    });
  });

  it('rounds a tie to the even cent, after adding exactly (never rounding each amount)', () => {
    const table = rates('EUR', ['2026-03-02', 'CHF', 'EUR', '0.9']);
    // 125 × 0.9 = 112.5 → 112 (even); 135 × 0.9 = 121.5 → 122; both together 234 exactly.
    expect(convert([{ currency: 'CHF', day: '2026-03-02', value_minor: 125 }], table).value_minor).toBe(112);
    expect(convert([{ currency: 'CHF', day: '2026-03-02', value_minor: 135 }], table).value_minor).toBe(122);
    expect(
      convert(
        [
          { currency: 'CHF', day: '2026-03-02', value_minor: 125 },
          { currency: 'CHF', day: '2026-03-02', value_minor: 135 },
        ],
        table,
      ).value_minor,
    ).toBe(234);
    expect([roundHalfEven({ n: 5n, d: 2n }), roundHalfEven({ n: 7n, d: 2n }), roundHalfEven({ n: -5n, d: 2n }), roundHalfEven({ n: 26n, d: 10n })]).toEqual([
      2n,
      4n,
      -2n,
      3n,
    ]);
  });

  it('moves the digits by each currency’s exponent (JPY 0, EUR 2, KWD 3)', () => {
    // 10.00 EUR at 162.35 JPY = 1623.5 JPY → 1624 (tie: 1623 is odd); 1000 JPY at 0.0061 EUR = 6.10 EUR.
    expect(convert([{ currency: 'EUR', day: '2026-03-02', value_minor: 1000 }], rates('JPY', ['2026-03-02', 'EUR', 'JPY', '162.35'])).value_minor).toBe(1624);
    expect(convert([{ currency: 'JPY', day: '2026-03-02', value_minor: 1000 }], rates('EUR', ['2026-03-02', 'JPY', 'EUR', '0.0061'])).value_minor).toBe(610);
    // 1.000 KWD (1000 fils) at 2.95 EUR = 2.95 EUR.
    expect(convert([{ currency: 'KWD', day: '2026-03-02', value_minor: 1000 }], rates('EUR', ['2026-03-02', 'KWD', 'EUR', '2.95'])).value_minor).toBe(295);
  });

  it('uses the inverse of the reporting currency’s own rate when the pair is only stored that way, exactly', () => {
    const table = rates('EUR', ['2026-03-02', 'EUR', 'CHF', '1.25'], ['2026-03-03', 'EUR', 'CHF', '0.9412']);
    expect(convert([{ currency: 'CHF', day: '2026-03-02', value_minor: 2000 }], table)).toEqual({
      currency: 'EUR',
      value_minor: 1600,
      rates: [{ currency: 'CHF', rate_date: '2026-03-02', rate: '0.8', inverse_of: 'EUR/CHF 1.25' }],
      unconverted: [],
    });
    // 2000 / 0.9412 = 2124.94… → 2125, the rate shown as the fraction it is.
    expect(convert([{ currency: 'CHF', day: '2026-03-03', value_minor: 2000 }], table).rates).toEqual([
      { currency: 'CHF', rate_date: '2026-03-03', rate: '2500/2353', inverse_of: 'EUR/CHF 0.9412' },
    ]);
    expect(convert([{ currency: 'CHF', day: '2026-03-03', value_minor: 2000 }], table).value_minor).toBe(2125);
  });

  it(`takes the latest rate of the ${7} days before a day without one, and names what it cannot convert`, () => {
    const table = rates('EUR', ['2026-03-01', 'CHF', 'EUR', '0.9412'], ['2026-03-01', 'USD', 'EUR', '0.92']);
    const c = convert(
      [
        { currency: 'CHF', day: '2026-03-08', value_minor: 2000 }, // 7 days after the rate: it applies
        { currency: 'CHF', day: '2026-03-09', value_minor: 500 }, // 8 days after: no rate
        { currency: 'CHF', day: '2026-02-28', value_minor: 300 }, // before any rate
        { currency: 'GBP', day: '2026-03-01', value_minor: 700 }, // no rate at all
      ],
      table,
    );
    expect(c).toEqual({
      currency: 'EUR',
      value_minor: 1882,
      rates: [{ currency: 'CHF', rate_date: '2026-03-01', rate: '0.9412' }],
      unconverted: [
        { currency: 'CHF', value_minor: 800, days: ['2026-02-28', '2026-03-09'], reason: 'no_rate' },
        { currency: 'GBP', value_minor: 700, days: ['2026-03-01'], reason: 'no_rate' },
      ],
    });
  });
});
