import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_CONTENT_SECURITY_POLICY } from '../api/http/securityHeaders.ts';
import { DASHBOARDS_CONTENT_SECURITY_POLICY } from '../dashboards/server.ts';
import { AnnouncementLog } from '../announce/log.ts';
import type { CartEvent } from '../ingest/contract/events.ts';
import { lifecycleId, type Announcement } from '../projections/lifecycle.ts';
import type { NamedWriter, Warehouse } from '../sql/warehouse.ts';
import { serveApp } from './support/app.ts';
import { launchChromium } from './support/browser.ts';
import { tempClickHouse } from './support/tempClickHouse.ts';
import { tempDuckDb } from './support/tempStore.ts';
import type { GetAnswer, PostAnswer, RemovalRankingAnswer } from '../api/http/answers.ts';

/** The part of the page's ECharts global that the tooltip check drives. */
type EChartsGlobal = {
  echarts: { getInstanceByDom(el: HTMLElement | null): { dispatchAction(action: { type: string; seriesIndex: number; dataIndex: number }): void } };
};

// Hostile input in the dashboards (issue 11): an ingest key stores product names, categories, brands,
// campaigns and ids that are markup or script. Given such events, stored through the collector on each
// engine, when a marketer opens every page of the dashboards in chromium and hovers the charts, then no
// script runs, no dialog opens, each hostile text shows literally, and the page's own code raises no
// Content-Security-Policy violation.

const XSS = {
  img: '<img src=x onerror="window.__xss=1">',
  attr: '"><svg onload=window.__xss=1>',
  js: 'javascript:window.__xss=1//',
  script: '</script><script>window.__xss=1</script>',
  // ECharts rich-text markers and an iframe: neither may become markup in a tooltip.
  rich: '{b|x}</div><iframe src="javascript:window.__xss=1"></iframe>',
  alert: '<img src=x onerror=alert(1)>',
} as const;

const T0 = Date.parse('2026-03-02T00:00:00.000Z');
const AS_OF = T0 + 3 * 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const RANGE = `from=${iso(T0)}&to=${iso(AS_OF)}&as_of=${iso(AS_OF)}`;

const P1 = { product_id: XSS.attr, name: XSS.img, category: XSS.attr, brand: XSS.js, unit_price_minor: 1000 };
const P2 = { product_id: 'p2', name: XSS.rich, category: XSS.script, brand: XSS.alert, unit_price_minor: 500 };
const CART_1 = XSS.attr;
const CART_2 = XSS.img;

function hostileEvents(): CartEvent[] {
  let n = 0;
  const at = (min: number) => iso(T0 + 10 * 3_600_000 + min * 60_000);
  const base = (cart_id: string, min: number, extra: Record<string, unknown>) => ({
    event_id: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    schema_version: 1 as const,
    occurred_at: at(min),
    cart_id,
    session_id: null,
    currency: 'EUR',
    channel: 'web' as const,
    consent: { marketing: true },
    ...extra,
  });
  const c1 = { customer_id: XSS.img, anonymous_id: null, campaign: { source: XSS.attr, medium: XSS.js, name: XSS.img } };
  const c2 = { customer_id: null, anonymous_id: XSS.js, campaign: { source: XSS.alert, medium: XSS.rich, name: XSS.script } };
  const c3 = { customer_id: 'plain', anonymous_id: null };
  return [
    // Cart 1: abandoned at checkout, with a quantity increase and a removal.
    { ...base(CART_1, 0, c1), type: 'cart.item_added', item: P1, quantity: 2 },
    { ...base(CART_1, 1, c1), type: 'cart.item_added', item: P2, quantity: 1 },
    { ...base(CART_1, 2, c1), type: 'cart.item_quantity_changed', item: P1, from_quantity: 2, to_quantity: 3 },
    { ...base(CART_1, 3, c1), type: 'cart.item_removed', item: P2, quantity: 1 },
    { ...base(CART_1, 5, c1), type: 'cart.checkout_started' },
    // Cart 2: P1 removed, P2 kept: abandoned at cart.
    { ...base(CART_2, 10, c2), type: 'cart.item_added', item: P1, quantity: 1 },
    { ...base(CART_2, 11, c2), type: 'cart.item_removed', item: P1, quantity: 1 },
    { ...base(CART_2, 12, c2), type: 'cart.item_added', item: P2, quantity: 2 },
    // Cart 3: ordered.
    { ...base('plain-3', 20, c3), type: 'cart.item_added', item: P2, quantity: 1 },
    { ...base('plain-3', 21, c3), type: 'cart.checkout_started' },
    { ...base('plain-3', 22, c3), type: 'order.placed', order_id: 'o-3', total_minor: 500, items: [{ product_id: 'p2', quantity: 1, unit_price_minor: 500 }] },
  ] as CartEvent[];
}

/**
 * Lifecycle announcements as the log keeps them, with hostile channels and campaigns (the recovery page
 * shows them): cart 1 abandoned, back through one hostile campaign and recovered; cart 2 recovered by an
 * order of a hostile other cart through another.
 */
function hostileAnnouncements(): Announcement[] {
  const day = 86_400_000;
  const episode = (cart_id: string, channel: string) => ({ cart_id, episode: 1, customer_id: XSS.img, anonymous_id: null, channel, currency: 'EUR' });
  return [
    {
      ...episode(CART_1, XSS.attr),
      id: lifecycleId(CART_1, 1, 'cart.abandoned'),
      kind: 'cart.abandoned',
      at_ms: T0 + day,
      stage: 'checkout',
      campaign: XSS.img,
      value_minor: 3000,
    },
    {
      ...episode(CART_1, XSS.attr),
      id: lifecycleId(CART_1, 1, 'cart.reactivated'),
      kind: 'cart.reactivated',
      at_ms: T0 + 2 * day,
      campaign: XSS.img,
      ms_since_abandoned: day,
    },
    {
      ...episode(CART_1, XSS.attr),
      id: lifecycleId(CART_1, 1, 'cart.recovered'),
      kind: 'cart.recovered',
      at_ms: T0 + 2 * day + 60_000,
      campaign: XSS.script,
      total_minor: 3000,
      ms_since_abandoned: day + 60_000,
    },
    {
      ...episode(CART_2, XSS.rich),
      id: lifecycleId(CART_2, 1, 'cart.abandoned'),
      kind: 'cart.abandoned',
      at_ms: T0 + day,
      stage: 'cart',
      campaign: null,
      value_minor: 1000,
    },
    {
      ...episode(CART_2, XSS.rich),
      id: lifecycleId(CART_2, 1, 'cart.recovered'),
      kind: 'cart.recovered',
      at_ms: T0 + 2 * day,
      campaign: XSS.alert,
      total_minor: 1000,
      ms_since_abandoned: day,
      via_cart_id: XSS.js,
    },
  ] as unknown as Announcement[];
}

const engines: Record<string, () => Promise<{ warehouse: Warehouse & NamedWriter; cleanup: () => Promise<void> }>> = {
  duckdb: tempDuckDb,
  clickhouse: () => tempClickHouse('xss'),
};

describe.each(Object.keys(engines))('dashboards with hostile stored input on %s', (engine) => {
  let store: { warehouse: Warehouse & NamedWriter; cleanup: () => Promise<void> };
  let served: Awaited<ReturnType<typeof serveApp>>;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    store = await engines[engine]!();
    served = await serveApp(store.warehouse);
    base = served.url;
    // Stored the way a hostile ingest key would: through the collector.
    const sent = await fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(hostileEvents()) });
    // Every hostile event is valid and stored: the pages below must have them to show.
    expect([sent.status, await sent.json()]).toEqual([202, { accepted: hostileEvents().length, rejected: [] }]);
    await new AnnouncementLog(store.warehouse as Warehouse & NamedWriter).keep(hostileAnnouncements(), AS_OF);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US', timezoneId: 'UTC' });
  }, 120_000);
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await served?.stop();
    await store?.cleanup();
  });

  async function api<T>(path: string, init?: RequestInit): Promise<T> {
    const res = await fetch(base + path, init);
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  }

  it('answers with nosniff, no framing, no referrer, and a policy without inline script on the pages and the API', async () => {
    for (const path of ['/', '/index.html', '/js/app.js', '/js/pages/removals.js', '/style.css']) {
      const res = await fetch(base + path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-security-policy'), path).toBe(DASHBOARDS_CONTENT_SECURITY_POLICY);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
    }
    expect(DASHBOARDS_CONTENT_SECURITY_POLICY).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    const html = await (await fetch(`${base}/`)).text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i); // every script is a file
    expect(html).not.toMatch(/\son[a-z]+\s*=/i); // no inline handler
    for (const path of [
      '/vendor/echarts.min.js',
      '/v1/stats',
      `/v1/funnels/removal?${RANGE}&min_adds=1`,
      `/v1/audiences/abandoned-carts?as_of=${iso(AS_OF)}&format=csv`,
      '/v1/openapi.json',
      '/healthz',
      '/no-such-page',
    ]) {
      const res = await fetch(base + path);
      expect(res.status, path).toBe(path === '/no-such-page' ? 404 : 200);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(res.headers.get('content-security-policy'), path).toBe(API_CONTENT_SECURITY_POLICY);
    }
    expect(API_CONTENT_SECURITY_POLICY).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it('runs no stored script on any page, tooltips included, and shows every hostile text literally', async () => {
    const removal = await api<RemovalRankingAnswer>(`/v1/funnels/removal?${RANGE}&min_adds=1&limit=50`);
    const quantity = await api<GetAnswer<'/v1/funnels/quantity'>>(`/v1/funnels/quantity?${RANGE}&limit=50`);
    const byCampaign = await api<GetAnswer<'/v1/funnels/abandonment'>>(`/v1/funnels/abandonment?${RANGE}&breakdown=campaign`);
    const audience = await api<GetAnswer<'/v1/audiences/abandoned-carts'>>(`/v1/audiences/abandoned-carts?as_of=${iso(AS_OF)}&consent=any`);
    // The store kept the hostile strings as sent: otherwise this test would prove nothing.
    expect(removal.products!.map((p) => p.name).sort()).toEqual([XSS.img, XSS.rich].sort());
    expect(byCampaign.breakdown_values!.map((b) => b.value)).toEqual(expect.arrayContaining([XSS.img, XSS.script]));
    expect(audience.carts.map((c) => c.cart_id).sort()).toEqual([CART_1, CART_2].sort());

    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
    });

    const open = async (hash: string) => {
      await page.goto(`${base}/#/${hash}`);
      await page.waitForSelector(`#view[data-ready="${hash.split('?')[0]}"]`, { timeout: 20_000 });
    };
    const text = (selector: string) => page.$$eval(selector, (els) => els.map((el) => el.textContent));
    /** Shows a chart's tooltip for one data item, as a hover does, and returns the tooltip's text. */
    const tooltip = async (chart: string, seriesIndex: number, dataIndex: number, expected: string) => {
      await page.evaluate(
        ({ chart, seriesIndex, dataIndex }) => {
          (globalThis as unknown as EChartsGlobal).echarts
            .getInstanceByDom(document.getElementById(chart))
            .dispatchAction({ type: 'showTip', seriesIndex, dataIndex });
        },
        { chart, seriesIndex, dataIndex },
      );
      await page
        .waitForFunction(({ chart, expected }) => document.getElementById(chart)!.textContent!.includes(expected), { chart, expected }, { timeout: 5_000 })
        .catch(() => undefined);
      return (await page.textContent(`#${chart}`)) ?? '';
    };

    // overview, broken down by campaign: the table and the breakdown chart's tooltip
    await open(`overview?${RANGE}&breakdown=campaign`);
    expect(await page.$$eval('#breakdown-table tbody tr', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.key))).toEqual(
      byCampaign.breakdown_values!.map((b) => b.value),
    );
    expect(await text('#breakdown-table td[data-c="value"]')).toEqual(byCampaign.breakdown_values!.map((b) => b.value));
    const campaigns = byCampaign.breakdown_values!.map((b) => b.value);
    expect(await tooltip('split-chart', 0, campaigns.indexOf(XSS.img), XSS.img)).toContain(XSS.img);

    // removals: the ranking's tooltip, hovered with the mouse over the first bar (the hole of issue 11)
    await open(`removals?${RANGE}&min_adds=1`);
    expect(await text('#removal-table td[data-c="key"]')).toEqual(removal.products!.map((p) => `${p.name ?? ''} (${p.key})`));
    expect(await text('#removal-table td[data-c="category"]')).toEqual(removal.products!.map((p) => p.category));
    const box = (await page.locator('#rank-chart').boundingBox())!;
    await page.mouse.move(box.x + 400, box.y + 20);
    await page.waitForFunction(() => document.getElementById('rank-chart')!.textContent!.includes('removed of'), undefined, { timeout: 5_000 });
    const first = removal.products![0]!;
    expect(await page.textContent('#rank-chart')).toContain(`${first.name}${first.lines_removed} removed of ${first.lines_added} added`);
    const timed = removal.products!.filter((p) => p.median_seconds_to_removal != null).map((p) => p.name ?? p.key);
    expect(await tooltip('ttr-chart', 0, 0, timed[0]!)).toContain(timed[0]);
    // the trend of the hostile product, opened from the table
    await page.click(`#removal-table tbody tr >> nth=${removal.products!.findIndex((p) => p.key === P1.product_id)}`);
    await page.waitForSelector('#trend-chart canvas');
    expect(await page.textContent('#trend h2')).toBe(
      `Trend of ${P1.name} (${P1.category}): lines added and removed, removal rate, per UTC day (by when the line was first added)`,
    );

    // quantity changes: the table, and the per-product chart's tooltip (product names on its axis)
    await open(`quantity?${RANGE}`);
    expect(await text('#quantity-table td[data-c="key"]')).toEqual(quantity.products!.map((r) => (r.name ? `${r.name} (${r.key})` : r.key)));
    const names = quantity.products!.slice(0, 15).map((r) => r.name ?? r.key);
    expect(await tooltip('quantity-products-chart', 0, names.indexOf(XSS.rich), XSS.rich)).toContain(XSS.rich);

    // funnel builder: a hostile product id as a step, broken down by hostile campaigns
    const steps = [`cart.item_added~${encodeURIComponent(P1.product_id)}`, 'cart.checkout_started'].join(',');
    await open(`funnel?${RANGE}&${new URLSearchParams({ steps, breakdown: 'campaign', run: '1' })}`);
    await page.waitForSelector('#builder-table');
    expect(await page.inputValue('#funnel-form .step:nth-child(1) input[name="product_id"]')).toBe(P1.product_id);
    const funnel = await api<PostAnswer<'/v1/funnels'>>('/v1/funnels', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        steps: [{ type: 'cart.item_added', product_id: P1.product_id }, { type: 'cart.checkout_started' }],
        window_seconds: 1209600,
        order: 'ordered',
        entity: 'cart',
        from: iso(T0),
        to: iso(AS_OF),
        as_of: iso(AS_OF),
        breakdown: 'campaign',
      }),
    });
    expect(await text('#builder-table td[data-c="name"]')).toEqual(funnel.steps.map((s) => s.name));
    const series = funnel.breakdown!.map((g) => g.value);
    expect(series).toEqual(expect.arrayContaining([XSS.img, XSS.script]));
    expect(await tooltip('builder-chart', series.indexOf(XSS.script), 0, XSS.script)).toContain(XSS.script);

    // cart explorer: a hostile cart id in the URL, its customer, campaign, products and timeline
    await open(`cart?as_of=${iso(AS_OF)}&id=${encodeURIComponent(CART_1)}`);
    expect(await page.inputValue('#cart-form input[name="cart_id"]')).toBe(CART_1);
    expect(await page.textContent('#view .sub')).toContain(`customer ${XSS.img} · web · campaign ${XSS.img}`);
    expect(await text('#cart-lines td[data-c="product_name"]')).toEqual([`${P1.name} (${P1.product_id})`]);
    expect((await text('#timeline td[data-c="what"]'))[0]).toBe(`+2 × ${P1.product_id}`);
    expect(await tooltip('cart-chart', 0, 1, '€')).toContain('€');

    // audiences: the table of abandoned carts, with links to the cart explorer
    await open(`audiences?as_of=${iso(AS_OF)}&consent=any`);
    expect(await text('#audience-table td[data-c="cart_id"]')).toEqual(audience.carts.map((c) => c.cart_id));
    expect(await text('#audience-table td[data-c="customer_id"]')).toEqual(audience.carts.map((c) => c.customer_id ?? `anonymous ${c.anonymous_id ?? ''}`));
    expect(await text('#audience-table td[data-c="campaign"]')).toEqual(audience.carts.map((c) => c.campaign));
    expect(await page.$$eval('#audience-table a', (as) => as.map((a) => a.getAttribute('href')))).toEqual(audience.carts.map(() => '#'));
    await page.click('#audience-table td[data-c="cart_id"] a >> nth=0');
    await page.waitForSelector('#cart-status');
    expect(await page.inputValue('#cart-form input[name="cart_id"]')).toBe(audience.carts[0]!.cart_id);

    // recovery: hostile channels and campaigns (of the returns) in its tables
    const recovery = await api<GetAnswer<'/v1/funnels/recovery'>>(`/v1/funnels/recovery?${RANGE}`);
    expect(recovery.by_campaign.map((c) => c.value).sort()).toEqual([XSS.img, XSS.alert].sort());
    await open(`recovery?${RANGE}`);
    expect(await text('#recovery-channel td[data-c="value"]')).toEqual(recovery.by_channel.map((c) => c.value));
    expect(await text('#recovery-campaign td[data-c="value"]')).toEqual(recovery.by_campaign.map((c) => c.value));
    expect(await page.$$('#view iframe, #view script, #view svg, #view img')).toHaveLength(0);

    // SQL console: hostile values and a hostile column alias, in the table, the pickers and the plot's tooltip
    const query = `SELECT product_name AS "${XSS.alert}", count(*) AS n FROM events WHERE type = 'cart.item_added' GROUP BY product_name ORDER BY n DESC, product_name`;
    const result = await api<PostAnswer<'/v1/sql'>>('/v1/sql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    expect(result.columns[0]!.name).toBe(XSS.alert);
    await open('sql');
    await page.fill('textarea[name="query"]', query);
    await page.click('#sql-form button[name="run"]');
    await page.waitForSelector('#sql-table');
    expect(await text('#sql-table th')).toEqual(result.columns.map((c) => `${c.name} (${c.type})`));
    expect(await text('#sql-table tbody td:first-child')).toEqual(result.rows.map((r) => r[XSS.alert]));
    expect(await text('#sql-result select[name="x"] option')).toEqual(result.columns.map((c) => c.name));
    expect(await tooltip('sql-chart', 0, 0, String(result.rows[0]![XSS.alert]))).toContain(result.rows[0]![XSS.alert]);

    expect(await page.evaluate(() => (window as Window & { __xss?: unknown }).__xss)).toBeUndefined();
    expect(await page.$$('#view iframe, #view script, #view svg, #view img')).toHaveLength(0);
    expect(problems).toEqual([]);

    // and a future tooltip formatter that returns a string with markup: the chart shows it as text
    // (a string, so that vitest's transform leaves its import() to the browser)
    const shown = await page.evaluate(`(async () => {
      const { chartOption } = await import('/js/ui.js');
      const el = document.createElement('div');
      el.style.width = '300px';
      el.style.height = '200px';
      document.body.append(el);
      const chart = echarts.init(el);
      chart.setOption(chartOption({ tooltip: { trigger: 'item', formatter: () => ${JSON.stringify(XSS.img)} + '<br>2' }, xAxis: { type: 'category', data: ['a'] }, yAxis: {}, series: [{ type: 'bar', data: [1] }] }));
      chart.dispatchAction({ type: 'showTip', seriesIndex: 0, dataIndex: 0 });
      return { text: el.textContent, elements: el.querySelectorAll('img, br').length };
    })()`);
    expect(shown).toEqual({ text: `${XSS.img}<br>2`, elements: 0 });
    expect(await page.evaluate(() => (window as Window & { __xss?: unknown }).__xss)).toBeUndefined();
    expect(problems).toEqual([]);
    await page.close();
  }, 180_000);
});
