import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/carrello.js', import.meta.url));

export interface CarrelloProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited: Promise<number | string>;
}

/** Starts `carrello start ...args` as a real child process and waits until it listens. */
export function startCarrello(args: string[], env: Record<string, string> = {}): Promise<CarrelloProcess> {
  return spawnCarrello('start', ['--port', '0', ...args], env);
}

/** Starts `carrello ingest ...args` (a Kafka worker) and waits until its /healthz and /metrics listen. */
export function startIngestWorker(args: string[], env: Record<string, string>): Promise<CarrelloProcess> {
  return spawnCarrello('ingest', ['--port', '0', ...args], env);
}

async function spawnCarrello(command: string, args: string[], env: Record<string, string>): Promise<CarrelloProcess> {
  // A developer's KAFKA_BROKERS (which points the Kafka suites at a cluster) must not switch the
  // embedded-mode suites to Kafka mode: a child gets Kafka settings only from `env`.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'KAFKA_BROKERS' && !k.startsWith('CARRELLO_')));
  const child = spawn(process.execPath, [BIN, command, ...args], {
    env: { ...inherited, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`carrello ${command} did not start within 30 s:\n${out}`)), 30_000);
    const check = () => {
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`carrello ${command} exited (${code}) before listening:\n${out}`));
    });
  });
  return { url, child, output: () => out, exited };
}
