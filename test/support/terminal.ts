import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/carrello.js', import.meta.url));

/** The environment a child gets: none of the developer's carrello or Kafka settings, then `env`. */
const childEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'KAFKA_BROKERS' && !k.startsWith('CARRELLO_')));
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs a carrello command with stdout and stderr on a real pseudo-terminal (util-linux's `script`), as an
 * operator at a terminal runs it; resolves with its exit code and everything it wrote, as the terminal got it.
 */
export function onTerminal(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, BIN, ...args].map(quote).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...childEnv(), LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let screen = '';
  child.stdout.on('data', (d: Buffer) => (screen += d.toString()));
  child.stderr.on('data', (d: Buffer) => (screen += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, screen })));
}

/** The lines a terminal ends up showing: each `\r` rewrites its line, erase-to-end codes dropped. */
export const shown = (screen: string): string[] =>
  screen
    .replaceAll('\x1b[K', '')
    .split(/\r?\n/)
    .map(
      (l) =>
        l
          .split('\r')
          .filter((part) => part !== '')
          .at(-1) ?? '',
    )
    .filter((l) => l !== '');
