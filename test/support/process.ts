import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/carrello.js', import.meta.url));

export interface CarrelloProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited: Promise<number | string>;
}

/** The start did not finish in time; the child (`pid`) was ended first. */
export class StartTimedOut extends Error {
  constructor(
    message: string,
    readonly pid: number | undefined,
  ) {
    super(message);
  }
}

export interface StartOptions {
  /** How long the child may take to listen (default 30 s); past it, the child is ended and the start fails. */
  startTimeoutMs?: number;
}

/** Starts `carrello start ...args` as a real child process and waits until it listens. */
export function startCarrello(args: string[], env: Record<string, string> = {}, opts: StartOptions = {}): Promise<CarrelloProcess> {
  return spawnCarrello('start', ['--port', '0', ...args], env, opts);
}

/** Starts `carrello ingest ...args` (a Kafka worker) and waits until its /healthz and /metrics listen. */
export function startIngestWorker(args: string[], env: Record<string, string>): Promise<CarrelloProcess> {
  return spawnCarrello('ingest', ['--port', '0', ...args], env);
}

/** Runs a carrello command to its end: exit code (or signal name), stdout and stderr. Never throws for a non-zero exit. */
export function runCarrello(args: string[], env: Record<string, string> = {}): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...childEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code: code ?? signal ?? -1, stdout, stderr })));
}

/**
 * A developer's KAFKA_BROKERS (which points the Kafka suites at a cluster) must not switch the
 * embedded-mode suites to Kafka mode: a child gets Kafka settings only from `env`.
 */
function childEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter(([k, v]) => v !== undefined && k !== 'KAFKA_BROKERS' && !k.startsWith('CARRELLO_'))) as Record<
    string,
    string
  >;
}

async function spawnCarrello(command: string, args: string[], env: Record<string, string>, opts: StartOptions = {}): Promise<CarrelloProcess> {
  const child = spawn(process.execPath, [BIN, command, ...args], {
    env: { ...childEnv(), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const url = await new Promise<string>((resolve, reject) => {
    const timeoutMs = opts.startTimeoutMs ?? 30_000;
    // A child that did not start is ended, and awaited, before the start fails: left running, it would
    // hold its port, its store and (in Kafka mode) a group membership for the rest of the run.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      void exited.then(() =>
        reject(new StartTimedOut(`carrello ${command} did not start within ${timeoutMs} ms; ended it (pid ${child.pid}):\n${out}`, child.pid)),
      );
    }, timeoutMs);
    const check = () => {
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      if (child.signalCode === 'SIGKILL') return; // ended by the timer above, which rejects
      clearTimeout(timer);
      reject(new Error(`carrello ${command} exited (${code}) before listening:\n${out}`));
    });
  });
  return { url, child, output: () => out, exited };
}

/** A loopback port nothing listens on (it was free a moment ago): a target that refuses connections. */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}
