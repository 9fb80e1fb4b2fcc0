// @ts-check
// Formatting in the browser's locale and the shop's time zone (setZone: CARRELLO_TIMEZONE, told by
// /v1/stats; UTC until then). Money is integer minor units with its currency.

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

let zone = 'UTC';
let dtFmt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium', timeZone: zone });
let shortFmt = new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short', timeZone: zone });

/** Times are shown, and typed, in this IANA zone (the shop's). */
export function setZone(tz) {
  zone = tz;
  dtFmt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium', timeZone: zone });
  shortFmt = new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short', timeZone: zone });
}
export const currentZone = () => zone;

/** The zone's offset from UTC at an instant, in minutes (Rome: 60 in winter, 120 in summer). */
function offsetMinutes(ms) {
  const part = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
    .formatToParts(new Date(ms))
    .find((p) => p.type === 'timeZoneName');
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(part?.value ?? '');
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}
export function offsetLabel(date = new Date()) {
  const m = offsetMinutes(date.getTime());
  const sign = m >= 0 ? '+' : '−';
  const a = Math.abs(m);
  return `UTC${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}
/** An ISO instant from the API, shown in the shop's time zone with its offset. */
export const dateTime = (iso) => (iso ? `${dtFmt.format(new Date(iso))} (${offsetLabel(new Date(iso))})` : '–');
export const shortDateTime = (iso) => (iso ? shortFmt.format(new Date(iso)) : '–');

export function seconds(s) {
  if (s == null) return '–';
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} d`;
}

/** ISO → value of an <input type=datetime-local> in the shop's time (seconds kept), and back. */
export function isoToLocalInput(iso) {
  if (!iso) return '';
  const ms = new Date(iso).getTime();
  if (Number.isNaN(ms)) return '';
  return new Date(ms + offsetMinutes(ms) * 60_000).toISOString().slice(0, 19);
}
export function localInputToIso(v) {
  if (!v) return '';
  const wall = Date.parse(`${v.length === 16 ? `${v}:00` : v}Z`);
  if (Number.isNaN(wall)) return '';
  // The offset at the instant itself: twice, so a wall time just after a change takes the new offset.
  let ms = wall - offsetMinutes(wall) * 60_000;
  ms = wall - offsetMinutes(ms) * 60_000;
  return new Date(ms).toISOString();
}
