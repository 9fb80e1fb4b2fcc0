/** The command line's help, suggestions and exit codes (docs/operations.md, "Exit codes and failures"). */
import { execFile } from 'node:child_process';
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
