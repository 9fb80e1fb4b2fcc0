import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';

const WEB_DIR = join(dirname(fileURLToPath(import.meta.url)), 'web');

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
  router.use(express.static(WEB_DIR, { index: 'index.html', maxAge: 0 }));
  return router;
}
