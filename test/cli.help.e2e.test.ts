/** The command line's help, suggestions and exit codes (docs/operations.md, "Exit codes and failures"). */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', 'bin', 'carrello.js');

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, LOG_LEVEL: 'silent' } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('carrello --help, per command, with suggestions and exit codes', () => {
  it.each([
    ['start', ['--demo', '--no-demo', '--port <n>', '--host <addr>', '--store <url>']],
    ['ingest', ['--brokers <list>', '--topic <t>', '--group <g>']],
    ['forget', ['--customer <id>', '--anonymous-id <id>', '--dry-run', '--store <url>']],
    ['rebuild', ['--store <url>']],
    ['simulate', ['--seed <s>', '--live', '--rate <events_per_s>', '--to <sink>']],
  ])('carrello %s --help says its options and exits 0', async (command, flags) => {
    const r = await cli(command, '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: carrello ${command} [options]`);
    for (const f of flags) expect(r.stdout).toContain(f);
  });

  it('helps with the subcommands of dlq and webhooks the same way', async () => {
    for (const [args, usage] of [
      [['dlq', 'replay', '--help'], 'Usage: carrello dlq replay [options]'],
      [['webhooks', 'replay', '--help'], 'Usage: carrello webhooks replay [options]'],
      [['help', 'webhooks'], 'Usage: carrello webhooks [options] [command]'],
      [['rates', 'load', '--help'], 'Usage: carrello rates load [options] <file>'],
    ] as const) {
      const r = await cli(...args);
      expect([r.code, r.stdout.split('\n')[0]]).toEqual([0, usage]);
    }
  });

  it('suggests what was meant, and exits 2 for a usage error', async () => {
    const flag = await cli('start', '--prot', '9');
    expect([flag.code, flag.stderr.split('\n').slice(0, 2)]).toEqual([2, ["carrello: unknown option '--prot'", '(Did you mean --port?)']]);
    const command = await cli('stat');
    expect([command.code, command.stderr.split('\n').slice(0, 2)]).toEqual([2, ["carrello: unknown command 'stat'", '(Did you mean start?)']]);
    const nothing = await cli();
    expect([nothing.code, nothing.stderr.startsWith('Usage: carrello [options] [command]')]).toEqual([2, true]);
    const missing = await cli('forget', '--store');
    expect([missing.code, missing.stderr.split('\n')[0]]).toEqual([2, "carrello: option '--store <url>' argument missing"]);
  });
});

describe('logs', () => {
  it('are readable lines with CARRELLO_LOG_FORMAT=pretty (the default on a terminal), JSON lines otherwise', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'carrello-logs-'));
    const firstLines = (format: string) =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, [BIN, 'start', '--no-demo', '--port', '0', '--store', `duckdb:${join(dir, `${format}.duckdb`)}`], {
          env: { ...process.env, CARRELLO_LOG_FORMAT: format, LOG_LEVEL: 'info' },
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('carrello is listening')) child.kill('SIGTERM');
        });
        child.on('exit', () => resolve(out));
        child.on('error', reject);
      });
    try {
      const pretty = (await firstLines('pretty')).split('\n').find((l) => l.includes('carrello is listening'))!;
      expect(pretty).toMatch(/^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}Z\] .*INFO.*: .*carrello is listening on http:\/\/127\.0\.0\.1:\d+/);
      const json = (await firstLines('json')).split('\n').find((l) => l.includes('carrello is listening'))!;
      expect(JSON.parse(json)).toMatchObject({ level: 'info', service: 'carrello', msg: expect.stringMatching(/^carrello is listening on /) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
