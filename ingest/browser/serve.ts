import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import express, { type Router } from 'express';
import { transformSync } from 'esbuild';

const SOURCE = new URL('./carrello.ts', import.meta.url);

/** The stable path a shop's pages load the SDK from. */
export const SDK_PATH = '/sdk/carrello.js';

export interface BuiltSdk {
  code: string;
  etag: string;
  gzipBytes: number;
}

let built: BuiltSdk | null = null;

/**
 * The SDK as browsers get it: carrello.ts with its types erased and minified, made once per process
 * (a few milliseconds).
 * esbuild is the transformer tsx already runs every .ts file of carrello through, so serving the SDK
 * needs no build step and no file that could drift from its source: the served bytes are the source's.
 */
export function browserSdk(): BuiltSdk {
  if (built) return built;
  const { code } = transformSync(readFileSync(SOURCE, 'utf8'), { loader: 'ts', format: 'esm', target: 'es2020', minify: true, legalComments: 'none' });
  const etag = `"${createHash('sha256').update(code).digest('hex').slice(0, 16)}"`;
  built = { code, etag, gzipBytes: gzipSync(code).length };
  return built;
}

/**
 * GET /sdk/carrello.js, to every origin: a module script of another origin is fetched with CORS, and the
 * SDK holds no secret. Short cache with an ETag: the path is stable across versions.
 */
export function sdkRouter(): Router {
  const router = express.Router();
  // Made when the app is built, so that an SDK that does not compile stops the start, not a shop's page.
  const sdk = browserSdk();
  router.get(SDK_PATH, (req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.setHeader('ETag', sdk.etag);
    if (req.headers['if-none-match'] === sdk.etag) {
      res.status(304).end();
      return;
    }
    res.type('text/javascript; charset=utf-8').send(sdk.code);
  });
  return router;
}
