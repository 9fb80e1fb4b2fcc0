import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveApp } from './support/app.ts';
import { ingestTexts, itemAdded } from './support/seed.ts';
import { tempDuckDb } from './support/tempStore.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

// A client a shop's developer would write: typed params in, typed fields out, errors as problems.
const CLIENT = `import createClient from 'openapi-fetch';
import type { paths } from './schema.js';

export const carrello = (baseUrl: string) => createClient<paths, 'application/json' | 'application/problem+json'>({ baseUrl, headers: { Authorization: 'Bearer key' } });

export async function report(baseUrl: string) {
  const client = carrello(baseUrl);
  const range = { from: '2026-03-01', to: '2026-03-04' };
  const funnel = await client.GET('/v1/funnels/abandonment', { params: { query: { ...range, breakdown: 'day' } } });
  const started: number | undefined = funnel.data?.funnel[0]?.carts;
  const days: string[] = funnel.data?.breakdown_values?.map((d) => d.value) ?? [];
  const cart = await client.GET('/v1/carts/{cart_id}', { params: { path: { cart_id: 'c1' }, query: { as_of: '2026-03-05T00:00:00.000Z' } } });
  const units: number | undefined = cart.data?.units;
  const missing = await client.GET('/v1/carts/{cart_id}', { params: { path: { cart_id: 'nope' } } });
  const code: string | undefined = missing.error?.code;
  const custom = await client.POST('/v1/funnels', { body: { steps: [{ type: 'cart.item_added' }, { type: 'order.placed' }], ...range } });
  const conversion: number | null | undefined = custom.data?.steps[1]?.conversion_from_first;
  const stats = await client.GET('/v1/stats');
  const stored: number | undefined = stats.data?.events_stored;
  return { started, days, units, code, conversion, stored };
}
`;

// Runs report() against a URL: the generated client at work (tsx strips the types).
const RUN = `import { report } from './client.ts';
console.log(JSON.stringify(await report(process.argv[2]!)));
`;

// The same call with a path parameter misnamed: the generated types must refuse it.
const WRONG = `import { carrello } from './client.js';

export const cart = carrello('http://127.0.0.1:8080').GET('/v1/carts/{cart_id}', { params: { path: { cartId: 'c1' } } });
`;

describe('a client generated from /openapi.json (openapi-typescript + openapi-fetch)', () => {
  let store: Awaited<ReturnType<typeof tempDuckDb>>;
  let app: Awaited<ReturnType<typeof serveApp>>;
  let dir: string;

  beforeAll(async () => {
    store = await tempDuckDb();
    app = await serveApp(store.warehouse);
    dir = await mkdtemp(join(tmpdir(), 'carrello-client-'));
    await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  });
  afterAll(async () => {
    await app?.stop();
    await store?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('compiles with tsc, and a call naming a path parameter wrongly does not', async () => {
    const doc = await (await fetch(`${app.url}/openapi.json`)).json();
    await writeFile(join(dir, 'schema.d.ts'), astToString(await openapiTS(doc)));
    await writeFile(join(dir, 'client.ts'), CLIENT);
    await writeFile(join(dir, 'wrong.ts'), WRONG);
    const compilerOptions = { strict: true, noEmit: true, target: 'ES2023', module: 'NodeNext', moduleResolution: 'NodeNext', skipLibCheck: true, types: [] };
    await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['client.ts'] }));
    await writeFile(join(dir, 'tsconfig.wrong.json'), JSON.stringify({ compilerOptions, files: ['wrong.ts'] }));
    const tsc = (project: string) =>
      promisify(execFile)(process.execPath, [TSC, '-p', project, '--pretty', 'false'], { cwd: dir }).then(
        () => '',
        (err: { stdout: string }) => err.stdout,
      );
    expect(await tsc('tsconfig.json')).toBe('');
    const errors = (await tsc('tsconfig.wrong.json'))
      .trim()
      .split('\n')
      .filter((l) => /error TS/.test(l));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^wrong\.ts\(3,\d+\): error TS\d+: .*'cartId'/);
  });

  it('reads typed answers from the running app', async () => {
    await ingestTexts(store.warehouse, [itemAdded('00000000-0000-4000-8000-00000000b001', '2026-03-02T10:00:00.000Z', { cart_id: 'c1' })]);
    await writeFile(join(dir, 'run.ts'), RUN);
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'run.ts', app.url], { cwd: dir });
    expect(JSON.parse(stdout)).toEqual({ started: 1, days: ['2026-03-02'], units: 2, code: 'cart_not_found', conversion: 0, stored: 1 });
  });
});
