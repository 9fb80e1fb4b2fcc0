import type { Server } from 'node:http';
import type { Page, Request } from 'playwright-core';
import { pino } from 'pino';
import { createApp } from '../api/app.ts';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import { DuckDbWarehouse } from '../sql/duckdb/adapter.ts';
import { launchChromium } from '../test/support/browser.ts';
import { BENCH_DAYS, BENCH_END, benchDuckDb } from './dataset.ts';
import { percentile, type Result } from './stats.ts';

const DAY = 86_400_000;

/** A page as a user opens it, and the selectors the browser tests wait for before reading its numbers. */
interface PageVisit {
  name: string;
  hash: string;
  ready: string[];
}

function visits(cart: string, product: string): PageVisit[] {
  const asOf = new Date(BENCH_END).toISOString();
  const range = `from=${new Date(BENCH_END - BENCH_DAYS * DAY).toISOString()}&to=${asOf}&as_of=${asOf}`;
  const sql = "SELECT date_trunc('day', occurred_at) AS day, count(*) AS events FROM events GROUP BY day ORDER BY day";
  const ready = (name: string, ...more: string[]) => [`#view[data-ready="${name}"]`, ...more];
  return [
    { name: 'overview', hash: `overview?${range}`, ready: ready('overview', '#funnel-chart canvas') },
    { name: 'removals', hash: `removals?${range}`, ready: ready('removals', '#removal-table') },
    { name: 'removals + product trend', hash: `removals?${range}&item=${encodeURIComponent(product)}`, ready: ready('removals', '#trend-chart canvas') },
    { name: 'quantity changes', hash: `quantity?${range}`, ready: ready('quantity', '#quantity-chart canvas') },
    { name: 'funnel builder', hash: `funnel?${range}&run=1`, ready: ready('funnel', '#builder-table') },
    { name: 'cart explorer', hash: `cart?as_of=${asOf}&id=${encodeURIComponent(cart)}`, ready: ready('cart', '#timeline') },
    { name: 'audiences', hash: `audiences?as_of=${asOf}`, ready: ready('audiences', '#audience-table') },
    { name: 'SQL console', hash: `sql?q=${encodeURIComponent(sql)}&run=1`, ready: ready('sql', '#sql-table') },
  ];
}

/**
 * Each dashboard page in chromium against the API over the `events`-event DuckDB bench store: time from
 * navigation until the page's numbers and chart are rendered (p50/p95 over `runs` fresh page loads after
 * one warm-up), and the slowest API request the page made (its p50 across the runs). The status bar's
 * /v1/stats poll is left out of "slowest": the page does not wait for it.
 */
export async function benchDashboards(events: number, runs: number, log: (s: string) => void): Promise<Result[]> {
  const { path, buildSeconds } = await benchDuckDb(events, log);
  if (buildSeconds !== null) log(`  built the ${events.toLocaleString('en')}-event store in ${buildSeconds.toFixed(1)} s`);
  const warehouse = await DuckDbWarehouse.open(path);
  await warehouse.migrate();
  const pipeline = new IngestPipeline(warehouse);
  const app = createApp({ warehouse, pipeline, log: pino({ level: 'silent' }), collector: { maxBodyBytes: 1 << 20, maxEvents: 1000 }, stopping: () => false });
  const server = await new Promise<Server>((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const [cart] = await warehouse.all(`SELECT cart_id FROM cart_replay WHERE type = 'order.placed' ORDER BY cart_id LIMIT 1`);
  const top = (await (
    await fetch(
      `${base}/v1/funnels/removal?from=${new Date(BENCH_END - BENCH_DAYS * DAY).toISOString()}&to=${new Date(BENCH_END).toISOString()}&as_of=${new Date(BENCH_END).toISOString()}&limit=1`,
    )
  ).json()) as { products: { key: string }[] };
  const browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US', timezoneId: 'UTC' });
  const label = `dashboards ${events / 1e6}M`;
  const results: Result[] = [];
  try {
    for (const visit of visits(String(cart!.cart_id), top.products[0]!.key)) {
      const usable: number[] = [];
      const slowest: { ms: number; what: string }[] = [];
      for (let i = 0; i <= runs; i++) {
        const { ms, requests } = await visitOnce(await context.newPage(), `${base}/#/${visit.hash}`, visit.ready);
        if (i === 0) continue; // warm-up: the browser's cache holds the page's scripts from then on, as for a returning user
        usable.push(ms);
        const worst = requests.reduce((a, b) => (b.ms > a.ms ? b : a), { ms: 0, what: '(none)' });
        slowest.push(worst);
      }
      const worstMs = slowest.map((s) => s.ms);
      const what = slowest.find((s) => s.ms === percentile(worstMs, 1))?.what ?? '';
      log(
        `  ${visit.name}: usable p50 ${percentile(usable, 0.5).toFixed(0)} ms, p95 ${percentile(usable, 0.95).toFixed(0)} ms; slowest request ${what} p50 ${percentile(worstMs, 0.5).toFixed(0)} ms`,
      );
      results.push(
        { name: `${label}: ${visit.name} usable p50`, value: percentile(usable, 0.5), unit: 'ms' },
        { name: `${label}: ${visit.name} usable p95`, value: percentile(usable, 0.95), unit: 'ms' },
        { name: `${label}: ${visit.name} slowest request p50 (${what})`, value: percentile(worstMs, 0.5), unit: 'ms' },
      );
    }
  } finally {
    await context.close();
    await browser.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await pipeline.close();
    await warehouse.close();
  }
  return results;
}

async function visitOnce(page: Page, url: string, ready: string[]): Promise<{ ms: number; requests: { ms: number; what: string }[] }> {
  const requests: { ms: number; what: string }[] = [];
  const finished = (req: Request) => {
    const u = new URL(req.url());
    if (!u.pathname.startsWith('/v1/') || u.pathname === '/v1/stats') return;
    const t = req.timing();
    requests.push({ ms: t.responseEnd, what: `${req.method()} ${u.pathname.replace(/^\/v1\/carts\/[^/]+/, '/v1/carts/{id}')}` });
  };
  page.on('requestfinished', finished);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const t0 = performance.now();
  await page.goto(url);
  for (const selector of ready) await page.waitForSelector(selector, { timeout: 120_000 });
  const ms = performance.now() - t0;
  await page.close();
  if (errors.length > 0) throw new Error(`${url}: ${errors.join('; ')}`);
  return { ms, requests };
}
