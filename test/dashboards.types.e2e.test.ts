import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

const tsc = (cwd: string) =>
  promisify(execFile)(process.execPath, [TSC, '-p', 'dashboards/web/tsconfig.json', '--pretty', 'false'], { cwd }).then(
    () => '',
    (err: { stdout: string }) => err.stdout.trim(),
  );

describe("the dashboards' modules are type-checked against the API's answer types (// @ts-check, dashboards/web/tsconfig.json)", () => {
  let dir: string;
  beforeAll(async () => {
    // A copy of the dashboards beside the real api/, ingest/ and projections/ (what the answer types import), to break one page without touching the tree.
    dir = await mkdtemp(join(tmpdir(), 'carrello-dashboards-'));
    await cp(join(ROOT, 'dashboards/web'), join(dir, 'dashboards/web'), { recursive: true });
    for (const d of ['api', 'ingest', 'projections', 'node_modules']) await symlink(join(ROOT, d), join(dir, d));
  });
  afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  it('compile as they are', async () => {
    expect(await tsc(ROOT)).toBe('');
  });

  it('fail to compile when a page reads a field the answer does not have', async () => {
    const page = join(dir, 'dashboards/web/js/pages/audiences.js');
    const text = await readFile(page, 'utf8');
    expect(text).toContain('int(answer.audience.carts)');
    await writeFile(page, text.replace('int(answer.audience.carts)', 'int(answer.audience.cart_count)'));
    expect(await tsc(dir)).toMatch(
      /^dashboards\/web\/js\/pages\/audiences\.js\(\d+,\d+\): error TS2339: Property 'cart_count' does not exist on type '\{ carts: number; value_by_currency: .*'\.$/,
    );
  });
});
