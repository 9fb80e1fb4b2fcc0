import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';

const WEB_DIR = join(dirname(fileURLToPath(import.meta.url)), 'web');

/**
 * The pages' Content-Security-Policy: scripts only from this origin (no inline script, no eval), data
 * only from the API of this origin, no frames around them. A stored product name that slipped into
 * markup still could not run. ECharts needs one allowance: its HTML tooltip is markup with style=""
 * attributes (assigned with innerHTML), which a plain `style-src 'self'` blocks (chromium reports a
 * violation and the tooltip loses its layout); `style-src-attr 'unsafe-inline'` allows style attributes
 * only, not <style> elements nor any script. `img-src data:` is the empty favicon of index.html.
 * The other security headers (nosniff, X-Frame-Options, Referrer-Policy) are set for every answer by
 * api/http/securityHeaders.ts; this policy replaces its `default-src 'none'` for the dashboards.
 */
export const DASHBOARDS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "style-src-attr 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The web dashboards: static files from dashboards/web/ and the charting library from node_modules.
 * There is no build step; the pages are plain ES modules that talk to the /v1 API over HTTP only.
 */
export function dashboardsRouter(): Router {
  const router = express.Router();
  // Served from node_modules so that the pages work without internet access (no CDN).
  const echarts = createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js');
  router.get('/vendor/echarts.min.js', (_req, res) => {
    res.sendFile(echarts, { maxAge: '1d' });
  });
  // Only the files served here get the pages' policy: a request that falls through to the 404 keeps the API's.
  router.use(
    express.static(WEB_DIR, {
      index: 'index.html',
      maxAge: 0,
      setHeaders: (res) => res.setHeader('Content-Security-Policy', DASHBOARDS_CONTENT_SECURITY_POLICY),
    }),
  );
  return router;
}
