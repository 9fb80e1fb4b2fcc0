import { tableFromIPC } from 'apache-arrow';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AS_OF, DAY, HOUR, T0 } from './fixtures/shop.ts';
import { serveApp } from './support/app.ts';
import { launchChromium, watchedPage } from './support/browser.ts';
import { eComesBack, shopAtAsOf, storeDetectDeliver } from './support/recovery.ts';
import { receiver, type Receiver } from './support/receiver.ts';
import { tempDuckDb } from './support/tempStore.ts';

// The recovery page in Debian's chromium against the real app holding the shop, detected into the
// announcement log and delivered to a real receiver at AS_OF (docs/metrics.md, "Recovery report": the
// numbers below are worked there), then E's customer coming back a day later.

const iso = (ms: number) => new Date(ms).toISOString();
const RANGE = `from=${iso(T0)}&to=${iso(AS_OF)}&as_of=${iso(AS_OF)}`;

let store: Awaited<ReturnType<typeof tempDuckDb>>;
let served: Awaited<ReturnType<typeof serveApp>>;
let rx: Receiver;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];

beforeAll(async () => {
  store = await tempDuckDb();
  served = await serveApp(store.warehouse);
  rx = await receiver(() => 204);
  expect((await shopAtAsOf(store.warehouse, rx.url('/hooks'))).delivered).toBe(4);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US', timezoneId: 'UTC' });
}, 120_000);
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await served?.stop();
  await rx?.close();
  await store?.cleanup();
});
beforeEach(async () => {
  ({ page, errors } = await watchedPage(context));
});
afterEach(async () => {
  await page.close();
  expect(errors).toEqual([]);
});

async function open(hash: string): Promise<void> {
  await page.goto(`${served.url}/#/${hash}`);
  await page.waitForSelector('#view[data-ready="recovery"]', { timeout: 20_000 });
}
const raw = (k: string) => page.getAttribute(`#view [data-k="${k}"]`, 'data-value');
const shown = (k: string) => page.textContent(`#view [data-k="${k}"] .value`);
const cells = (table: string, column: string) => page.$$eval(`#${table} tbody td[data-c="${column}"]`, (tds) => tds.map((td) => td.textContent));
const rowKeys = (table: string) => page.$$eval(`#${table} tbody tr`, (trs) => trs.map((tr) => (tr as HTMLElement).dataset.key));

describe('the recovery page', () => {
  it('shows the shop: 6 abandoned, 1 announced, 1 back and recovered, values per currency, by stage, channel and campaign', async () => {
    await open(`recovery?${RANGE}`);
    const kpis = [
      'abandoned',
      'announced',
      'reactivated',
      'recovered',
      'abandoned_value',
      'recovered_value',
      'median_ms_since_abandoned',
      'recovery_rate_announced',
      'recovery_rate_not_announced',
    ];
    expect(await Promise.all(kpis.map(raw))).toEqual(['6', '1', '2', '2', 'CHF:3316,EUR:26283', 'EUR:13498', '383250000', '0', '0.4']);
    // Two currencies side by side, never one sum (en-US puts a no-break space after CHF); 3 days 20 minutes.
    expect(await shown('abandoned_value')).toBe('CHF\u00a033.16 · €262.83');
    expect(await shown('recovered_value')).toBe('€134.98');
    expect(await shown('median_ms_since_abandoned')).toBe('4.4 d');
    expect(await page.textContent('[data-k="recovered"] .note')).toBe('33.3% of abandoned · 1 by another cart');
    expect(await rowKeys('recovery-announced')).toEqual(['announced', 'not_announced']);
    expect(await cells('recovery-announced', 'recovered')).toEqual(['0', '2']);
    expect(await cells('recovery-announced', 'recovery_rate')).toEqual(['0%', '40%']);
    expect(await rowKeys('recovery-stage')).toEqual(['cart', 'checkout']);
    expect(await cells('recovery-stage', 'abandoned')).toEqual(['5', '1']);
    expect(await cells('recovery-stage', 'abandoned_value_by_currency')).toEqual(['CHF\u00a033.16 · €212.93', '€49.90']);
    expect(await cells('recovery-stage', 'recovered_value_by_currency')).toEqual(['€134.98', '0']);
    expect(await rowKeys('recovery-channel')).toEqual(['app', 'marketplace', 'store', 'web']);
    expect(await cells('recovery-channel', 'abandoned')).toEqual(['1', '1', '1', '3']);
    expect(await cells('recovery-channel', 'announced')).toEqual(['0', '0', '1', '0']);
    expect(await cells('recovery-channel', 'recovered')).toEqual(['1', '0', '0', '1']);
    expect(await rowKeys('recovery-campaign')).toEqual(['(none)']);
    expect(await page.locator('#recovery-chart canvas').count()).toBe(1);
    // The period reaches past what detection has settled (I's add at 23:30): the page says so.
    expect(await page.textContent('#unsettled strong')).toBe('Detected up to Mar 9, 2026, 11:30:00 PM (UTC+00:00) only.');
  });

  it('says nothing is unsettled when the period ends before the watermark, and answers CSV and Arrow alike', async () => {
    await open(`recovery?from=${iso(T0)}&to=${iso(AS_OF - HOUR)}&as_of=${iso(AS_OF)}`);
    expect(await raw('abandoned')).toBe('6');
    expect(await page.locator('#unsettled').count()).toBe(0);
    const csv = await (await fetch(`${served.url}/v1/funnels/recovery?${RANGE}&format=csv`)).text();
    expect(csv.split('\n').slice(0, 2)).toEqual([
      'breakdown,value,abandoned,announced,reactivated,recovered,via_other_cart,recovery_rate,median_ms_since_abandoned,abandoned_value_minor_CHF,abandoned_value_minor_EUR,recovered_value_minor_EUR',
      'all,all,6,1,2,2,1,0.3333333333333333,383250000,3316,26283,13498',
    ]);
    const arrow = await fetch(`${served.url}/v1/funnels/recovery?${RANGE}&format=arrow`);
    expect(arrow.headers.get('content-type')).toBe('application/vnd.apache.arrow.stream');
    const table = tableFromIPC(new Uint8Array(await arrow.arrayBuffer()));
    // The totals, then stage (2), channel (4), announced (2) and campaign (1) rows.
    expect([table.numRows, table.getChild('abandoned')!.get(0), table.getChild('recovered')!.get(0)]).toEqual([10, 6n, 2n]);
  });

  it('gives the same page as of AS_OF after E comes back, and the later as_of shows the campaign that brought it back', async () => {
    const later = AS_OF + DAY;
    expect((await storeDetectDeliver(store.warehouse, eComesBack(), later, rx.url('/hooks'))).delivered).toBe(2);
    await open(`recovery?${RANGE}`);
    expect(await Promise.all(['abandoned', 'announced', 'reactivated', 'recovered', 'recovered_value'].map(raw))).toEqual(['6', '1', '2', '2', 'EUR:13498']);
    await open(`recovery?from=${iso(T0)}&to=${iso(AS_OF)}&as_of=${iso(later)}`);
    expect(await Promise.all(['reactivated', 'recovered', 'recovered_value', 'median_ms_since_abandoned', 'recovery_rate_announced'].map(raw))).toEqual([
      '3',
      '3',
      'CHF:3790,EUR:13498',
      '260400000',
      '1',
    ]);
    expect(await shown('recovered_value')).toBe('CHF\u00a037.90 · €134.98');
    expect(await rowKeys('recovery-campaign')).toEqual(['(none)', 'winback']);
    expect(await cells('recovery-campaign', 'announced')).toEqual(['0', '1']);
  });
});
