/**
 * Currencies' minor units, shared by ingest (Shopify's decimal prices) and projections (conversion to a
 * reporting currency). It lives here, at the bottom of the dependency graph, as sql/rows.ts does.
 */

/** The currency's minor-unit exponent as ISO 4217 gives it (Intl knows it): 2 for EUR, 0 for JPY, 3 for KWD; 2 for a code it does not know. */
export function currencyExponent(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}
