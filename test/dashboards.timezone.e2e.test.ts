/**
 * The dashboards show and take times in the shop's time zone (CARRELLO_TIMEZONE), not the browser's, and
 * say so: a browser in New York looking at a shop in Rome, across Rome's spring change.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AS_OF, shopEvents, T0 } from './fixtures/shop.ts';
import { serveApp } from './support/app.ts';
import { launchChromium, watchedPage } from './support/browser.ts';
import { tempDuckDb } from './support/tempStore.ts';
import { messagesOf } from './support/traffic.ts';

const iso = (ms: number) => new Date(ms).toISOString();

describe('the dashboards in the shop’s time zone', () => {
  let store: Awaited<ReturnType<typeof tempDuckDb>>;
  let served: Awaited<ReturnType<typeof serveApp>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  beforeAll(async () => {
    store = await tempDuckDb();
    served = await serveApp(store.warehouse, { timezone: 'Europe/Rome' });
    await served.pipeline.ingest(messagesOf(shopEvents(), AS_OF));
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US', timezoneId: 'America/New_York' });
    ({ page, errors } = await watchedPage(context));
  }, 120_000);
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await served?.stop();
    await store?.cleanup();
  });

  it('fills the range in Rome’s wall time, says the zone, and reads typed times as Rome’s, across the change', async () => {
    expect(((await (await fetch(`${served.url}/v1/stats`)).json()) as { timezone: string }).timezone).toBe('Europe/Rome');
    await page.goto(`${served.url}/#/overview?from=${iso(T0)}&to=${iso(AS_OF)}&as_of=${iso(AS_OF)}`);
    await page.waitForSelector('#view[data-ready="overview"]', { timeout: 20_000 });
    // 2026-03-02 00:00 UTC is 01:00 in Rome (CET), whatever the browser's own zone (New York: 19:00 the day before).
    expect(await page.inputValue('input[name="from"]')).toBe('2026-03-02T01:00');
    expect(await page.textContent('.tz')).toBe("times in the shop's zone, Europe/Rome");
    // 01:30 on 2026-03-29 in Rome is still winter time (UTC+1), 03:30 is after the change to summer time
    // (UTC+2): two hours apart on the wall, one in fact.
    await page.fill('input[name="from"]', '2026-03-29T01:30:00');
    await page.fill('input[name="to"]', '2026-03-29T03:30:00');
    await page.click('button[name="apply"]');
    await page.waitForFunction(() => decodeURIComponent(location.hash).includes('from=2026-03-29T00:30'));
    const hash = decodeURIComponent(await page.evaluate(() => location.hash));
    expect([/from=([^&]+)/.exec(hash)![1], /to=([^&]+)/.exec(hash)![1]]).toEqual(['2026-03-29T00:30:00.000Z', '2026-03-29T01:30:00.000Z']);
    await page.waitForSelector('#view[data-ready="overview"]', { timeout: 20_000 });
    expect(errors).toEqual([]);
  });
});
