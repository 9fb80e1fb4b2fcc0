// Formatting in the browser's locale and time zone. Money is integer minor units with its currency.

const locale = navigator.language || 'en';
const intFmt = new Intl.NumberFormat(locale);
const pctFmt = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
const moneyFmts = new Map();

function moneyFmt(currency) {
  let f = moneyFmts.get(currency);
  if (!f) {
    f = new Intl.NumberFormat(locale, { style: 'currency', currency });
    moneyFmts.set(currency, f);
  }
  return f;
}

/** Minor units → major units of that currency (2 for EUR, 0 for JPY, 3 for KWD). */
export function toMajor(minor, currency) {
  const digits = moneyFmt(currency).resolvedOptions().maximumFractionDigits ?? 2;
  return minor / 10 ** digits;
}

export const moneyMajor = (major, currency) => moneyFmt(currency).format(major);
export const money = (minor, currency) => (minor == null ? '–' : moneyFmt(currency).format(toMajor(minor, currency)));
export const int = (n) => (n == null ? '–' : intFmt.format(n));
export const pct = (r) => (r == null ? '–' : pctFmt.format(r));

/** Several currencies are never added up: one amount per currency. */
export const moneyList = (byCurrency) => (byCurrency?.length ? byCurrency.map((v) => money(v.value_minor, v.currency)).join(' · ') : '0');

const dtFmt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' });
export function offsetLabel(date = new Date()) {
  const m = -date.getTimezoneOffset();
  const sign = m >= 0 ? '+' : '−';
  const a = Math.abs(m);
  return `UTC${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}
/** An ISO instant from the API, shown in the browser's time zone with its offset. */
export const dateTime = (iso) => (iso ? `${dtFmt.format(new Date(iso))} (${offsetLabel(new Date(iso))})` : '–');
export const shortDateTime = (iso) => (iso ? new Date(iso).toLocaleString(locale, { dateStyle: 'short', timeStyle: 'short' }) : '–');

export function seconds(s) {
  if (s == null) return '–';
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} d`;
}

/** ISO → value of an <input type=datetime-local> in local time (seconds kept), and back. */
export function isoToLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
}
export function localInputToIso(v) {
  if (!v) return '';
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}
