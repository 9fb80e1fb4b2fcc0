/**
 * Amounts of several currencies in a table (CSV, Arrow): one column per currency, `<prefix>_<CUR>`, integer
 * minor units, never one cell adding or listing them together. The columns are the same in every row (the
 * currencies of the whole answer, in code order); a row without that currency holds 0.
 */
export function currencyColumns(
  prefix: string,
  all: readonly { currency: string }[][],
): (values: readonly { currency: string; value_minor: number }[] | null) => Record<string, number | null> {
  const currencies = [...new Set(all.flat().map((v) => v.currency))].sort();
  return (values) =>
    Object.fromEntries(currencies.map((c) => [`${prefix}_${c}`, values === null ? null : (values.find((v) => v.currency === c)?.value_minor ?? 0)]));
}
