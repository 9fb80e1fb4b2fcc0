// @ts-check
// The shell: hash routing (#/page?params, so every view has a URL that reproduces it), the common
// controls (date range, as_of, abandon_after, API key), and a quiet refresh when new events arrive.
import { apiKey, getJson } from './api.js';
import { currentZone, int, isoToLocalInput, localInputToIso, setZone, shortDateTime } from './fmt.js';
import { chartOption, errorBox, h } from './ui.js';
import * as overview from './pages/overview.js';
import * as removals from './pages/removals.js';
import * as quantity from './pages/quantity.js';
import * as funnel from './pages/funnel.js';
import * as cart from './pages/cart.js';
import * as audiences from './pages/audiences.js';
import * as recovery from './pages/recovery.js';
import * as sql from './pages/sql.js';

const PAGES = { overview, removals, quantity, funnel, cart, audiences, recovery, sql };
const COMMON = ['from', 'to', 'as_of', 'abandon_after'];
const REFRESH_MS = 15_000;

/** @typedef {{ dispose(): void, resize(): void, setOption(option: unknown): void }} Chart */
/** @type {{ init(el: HTMLElement): Chart }} */
// The global of vendor/echarts.min.js (index.html loads it first).
const echarts = /** @type {any} */ (globalThis).echarts;

// The shell's elements, in index.html.
const view = /** @type {HTMLElement} */ (document.getElementById('view'));
const controls = /** @type {HTMLFormElement} */ (document.getElementById('controls'));
const nav = /** @type {HTMLElement} */ (document.getElementById('nav'));
const status = /** @type {HTMLElement} */ (document.getElementById('status'));

/** @type {{ name: string, token: number, charts: Chart[] }} */
let current = { name: '', token: 0, charts: [] };

export function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [name, q = ''] = raw.split('?');
  return { name: PAGES[name] ? name : 'overview', params: new URLSearchParams(q) };
}

/** Goes to a page with these parameters; the common ones are kept unless overridden. */
export function go(name, params = {}, { keepCommon = true } = {}) {
  const now = parseHash().params;
  const next = new URLSearchParams();
  if (keepCommon) for (const k of COMMON) if (now.get(k)) next.set(k, now.get(k) ?? '');
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') next.delete(k);
    else next.set(k, String(v));
  }
  const hash = `#/${name}${next.toString() ? `?${next}` : ''}`;
  if (location.hash === hash) render();
  else location.hash = hash;
}

function renderNav(active) {
  const labels = {
    overview: 'Overview',
    removals: 'Removals',
    quantity: 'Quantity changes',
    funnel: 'Funnel builder',
    cart: 'Cart explorer',
    audiences: 'Audiences',
    recovery: 'Recovery',
    sql: 'SQL console',
  };
  const keep = new URLSearchParams();
  const params = parseHash().params;
  for (const k of COMMON) if (params.get(k)) keep.set(k, params.get(k) ?? '');
  const q = keep.toString() ? `?${keep}` : '';
  nav.replaceChildren(
    ...Object.entries(labels).map(([name, label]) =>
      h('a', { href: `#/${name}${q}`, class: name === active ? 'active' : null, dataset: { page: name } }, label),
    ),
  );
}

function renderControls(name, params) {
  const used = PAGES[name].controls ?? [];
  const field = (key, label, input) => (used.includes(key) ? h('label', {}, label, input) : null);
  const dt = (key) => h('input', { type: 'datetime-local', step: '1', name: key, value: isoToLocalInput(params.get(key)) });
  const preset = (days) =>
    h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        dataset: { days: String(days) },
        onclick: () => {
          const end = params.get('as_of') ? new Date(params.get('as_of')) : new Date();
          go(name, {
            ...Object.fromEntries(params),
            from: new Date(end.getTime() - days * 86_400_000).toISOString(),
            to: params.get('as_of') ? end.toISOString() : '',
          });
        },
      },
      `${days} d`,
    );
  const keyInput = h('input', { type: 'password', name: 'api_key', placeholder: 'none needed without keys', value: apiKey.get() });
  controls.replaceChildren(
    ...[
      field('from', 'From (carts started)', dt('from')),
      field('to', 'To (exclusive)', dt('to')),
      used.includes('from') ? h('span', { class: 'presets' }, preset(7), ' ', preset(30), ' ', preset(90)) : null,
      field('as_of', 'As of (empty = now, live)', dt('as_of')),
      field(
        'abandon_after',
        'Abandon after',
        h('input', { name: 'abandon_after', size: 6, placeholder: '24h', value: params.get('abandon_after') ?? '', title: 'e.g. 90m, 24h, 2d, or seconds' }),
      ),
      used.length ? h('button', { type: 'submit', name: 'apply' }, 'Apply') : null,
      used.length ? h('span', { class: 'tz' }, `times in the shop's zone, ${currentZone()}`) : null,
      h(
        'details',
        { class: 'key' },
        h('summary', {}, apiKey.get() ? 'API key ✓' : 'API key'),
        h('label', {}, 'Bearer key (kept in this browser)', keyInput),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: () => {
              apiKey.set(keyInput.value.trim());
              render();
            },
          },
          'Save key',
        ),
      ),
    ].filter(Boolean),
  );
  controls.onsubmit = (e) => {
    e.preventDefault();
    const form = new FormData(controls);
    const next = Object.fromEntries(params);
    for (const k of COMMON)
      if (used.includes(k)) next[k] = k === 'abandon_after' ? String(form.get(k) ?? '').trim() : localInputToIso(String(form.get(k) ?? ''));
    go(name, next, { keepCommon: false });
  };
}

export async function render({ quiet = false } = {}) {
  const { name, params } = parseHash();
  const page = PAGES[name];
  for (const c of current.charts) c.dispose();
  const token = current.token + 1;
  current = { name, token, charts: [] };
  const scroll = quiet ? window.scrollY : 0;
  renderNav(name);
  if (!quiet) renderControls(name, params);
  const root = h('div', { class: 'page', dataset: { page: name } });
  view.removeAttribute('data-ready');
  view.replaceChildren(root);
  const ctx = {
    params,
    common: Object.fromEntries((page.controls ?? []).filter((k) => params.get(k)).map((k) => [k, params.get(k)])),
    go: (p, opts) => go(name, { ...Object.fromEntries(params), ...p }, opts),
    open: go,
    stale: () => current.token !== token,
    chart(el, option) {
      if (current.token !== token) return null;
      const c = echarts.init(el);
      c.setOption(chartOption(option));
      current.charts.push(c);
      return c;
    },
  };
  try {
    await page.render(root, ctx);
  } catch (err) {
    if (current.token !== token) return;
    console.warn(err);
    root.append(errorBox(err));
  }
  if (current.token !== token) return;
  view.dataset.ready = name;
  if (quiet) window.scrollTo(0, scroll);
}

// New events: re-render pages that show "now" (no as_of) so they stay current, at most every REFRESH_MS.
let lastStored = null;
async function poll() {
  try {
    const stats = await getJson('/v1/stats');
    status.textContent = `${int(stats.events_stored)} events stored · last event ${shortDateTime(stats.last_event_at)} · checked ${new Date().toLocaleTimeString()}`;
    const { name, params } = parseHash();
    const changed = lastStored !== null && stats.events_stored !== lastStored;
    lastStored = stats.events_stored;
    if (changed && !params.get('as_of') && PAGES[name].refresh !== false && !document.hidden && view.dataset.ready) render({ quiet: true });
  } catch (err) {
    status.textContent = `status unavailable: ${/** @type {Error} */ (err).message}`;
  }
}

window.addEventListener('hashchange', () => render());
window.addEventListener('resize', () => {
  for (const c of current.charts) c.resize();
});
// The shop's time zone first (the answers' days are its days), then the page.
getJson('/v1/stats')
  .then(
    (stats) => setZone(stats.timezone ?? 'UTC'),
    () => undefined,
  )
  .finally(() => {
    render();
    poll();
    setInterval(poll, REFRESH_MS);
  });
