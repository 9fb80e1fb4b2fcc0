/** Raw engine rows in tests (warehouse.all / rows, outside the catalogue): 64-bit integers come as strings or bigints. */
export function toInt(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint' || typeof v === 'string') return Number(v);
  throw new TypeError(`expected an integer, got ${JSON.stringify(v)}`);
}

export function toIntOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : toInt(v);
}

export function toStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) throw new TypeError('expected a string, got null');
  return String(v);
}

export function toNumOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}
