// Starts a real single-node Kafka broker (KRaft, broker+controller in one JVM) on loopback, for development
// and tests: fresh temporary storage each time (or a data dir of your own, kept, to restart a broker in
// place), nothing else left behind by stop().
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, Partitioners, logLevel, type Admin } from 'kafkajs';
import { ensureKafkaLibs } from './fetch.ts';

const execFileAsync = promisify(execFile);

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 15_000;
const HOST = '127.0.0.1';
const JVM_OPTS = ['-Xms256m', '-Xmx512m', '-XX:+UseG1GC', '-XX:+ExitOnOutOfMemoryError', '-Djava.awt.headless=true'];

export interface KafkaOptions {
  /** Client port; a free loopback port when omitted. The controller port is always picked free. */
  port?: number;
  /** Where server.log and kafka.out go, kept after stop(); inside the temp dir (removed) when omitted. */
  logDir?: string;
  /** Progress lines (fetching, formatting, ready). */
  log?: (line: string) => void;
  /**
   * Where the broker keeps its data, kept after stop() and kill(); a fresh folder inside the temp dir
   * (removed) when omitted. A folder already formatted is reused as it is, so that a broker started
   * again on it (same port and controllerPort) keeps its topics and committed offsets.
   */
  dataDir?: string;
  /** Controller port; a free one when omitted. Pass the previous one to restart a broker in place. */
  controllerPort?: number;
}

export interface RunningKafka {
  /** kafkajs `brokers` entry, e.g. 127.0.0.1:9092. */
  brokers: string;
  port: number;
  controllerPort: number;
  stop(): Promise<void>;
  /** SIGKILLs the JVM, as a crash would (no controlled shutdown), and resolves once it is gone. */
  kill(): Promise<void>;
}

export async function startKafka(opts: KafkaOptions = {}): Promise<RunningKafka> {
  const log = opts.log ?? (() => {});
  const libs = await ensureKafkaLibs(log);
  const classpath = path.join(libs.dir, '*'); // expanded by java itself, not by a shell

  const port = opts.port ?? (await freePort());
  if (opts.port !== undefined) await assertPortFree(port);
  let controllerPort = opts.controllerPort ?? (await freePort());
  while (controllerPort === port) controllerPort = await freePort();

  const home = await mkdtemp(path.join(tmpdir(), 'carrello-kafka-'));
  const logDir = opts.logDir ? path.resolve(opts.logDir) : path.join(home, 'logs');
  await mkdir(logDir, { recursive: true });
  const serverProperties = path.join(home, 'server.properties');
  const log4j = path.join(home, 'log4j2.properties');
  const dataDir = opts.dataDir ? path.resolve(opts.dataDir) : path.join(home, 'data');
  const formatted = await readFile(path.join(dataDir, 'meta.properties')).then(
    () => true,
    () => false,
  );
  await writeFile(serverProperties, serverConfig(port, controllerPort, dataDir));
  await writeFile(log4j, loggingConfig(path.join(logDir, 'server.log')));
  const jvm = [...JVM_OPTS, `-Dlog4j2.configurationFile=${log4j}`, `-Dkafka.logs.dir=${logDir}`, '-cp', classpath];

  const started = Date.now();
  try {
    if (!formatted)
      await execFileAsync('java', [...jvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', serverProperties], {
        cwd: home,
      });
  } catch (error) {
    await rm(home, { recursive: true, force: true });
    const e = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    const detail = e.code === 'ENOENT' ? 'java is not on PATH (Java 17+ is needed)' : `${e.stdout ?? ''}${e.stderr ?? ''}`;
    throw new Error(`formatting Kafka storage failed: ${detail.trim() || e.message}`, { cause: error });
  }

  const outPath = path.join(logDir, 'kafka.out');
  const out = await open(outPath, 'a');
  let child: ChildProcess;
  try {
    child = spawnWithWatchdog(['java', ...jvm, 'kafka.Kafka', serverProperties], home, out.fd);
  } finally {
    await out.close(); // the child holds its own copy of the descriptor
  }
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      child.stdin?.destroy();
      resolve(signal ? `signal ${signal}` : `code ${code}`);
    });
    child.once('error', (error) => resolve(`spawn error: ${error.message}`));
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin?.destroy(); // the watchdog sends SIGTERM too; harmless twice
        child.kill('SIGTERM');
        // This ref'd timer also keeps the event loop alive until the unref'd child reports its exit.
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
      await rm(home, { recursive: true, force: true });
    })());

  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    await stop();
  };

  const brokers = `${HOST}:${port}`;
  const probing = new AbortController();
  log(`starting Kafka ${libs.version} on ${brokers} (controller ${HOST}:${controllerPort}), logs in ${logDir}`);
  const failure = await Promise.race([
    waitUntilAnswering(brokers, Date.now() + READY_TIMEOUT_MS, probing.signal).then((ok) =>
      ok ? undefined : `did not answer on ${brokers} within ${READY_TIMEOUT_MS / 1000} s`,
    ),
    exited.then((how) => `exited (${how}) before answering on ${brokers}`),
  ]);
  probing.abort();
  if (failure) {
    const [serverLog, stdout] = await Promise.all([readLog(path.join(logDir, 'server.log')), readLog(outPath)]);
    await stop();
    const firstError = serverLog.find((line) => /\] (ERROR|FATAL) /.test(line)) ?? '(none)';
    throw new Error(
      `Kafka broker ${failure}.\nfirst error in server.log: ${firstError}\n` +
        `--- server.log (tail) ---\n${serverLog.slice(-30).join('\n')}\n--- kafka.out (tail) ---\n${stdout.slice(-15).join('\n')}`,
    );
  }
  log(`Kafka ready on ${brokers} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { brokers, port, controllerPort, stop, kill };
}

/**
 * Runs argv so that it dies with this process, however this process ends (even SIGKILL): a shell keeps a
 * watcher on the stdin pipe that only we hold, then execs argv under its own pid ($$). When our end of the
 * pipe closes, the watcher stops that pid as stop() would and removes `home`. The child is unref'd: it
 * never keeps this process alive by itself.
 */
function spawnWithWatchdog(argv: string[], home: string, outFd: number): ChildProcess {
  const GRACE_TICKS = Math.ceil(STOP_GRACE_MS / 200);
  const script = `home=$1; shift; exec 3<&0
(
  trap '' HUP INT TERM # outlive a terminal's signals to the whole process group, to clean up after them
  cat <&3
  kill -TERM $$; i=0
  while kill -0 $$ && [ $i -lt ${GRACE_TICKS} ]; do sleep 0.2; i=$((i + 1)); done
  [ $i -lt ${GRACE_TICKS} ] || kill -KILL $$
  rm -rf "$home"
) >/dev/null 2>&1 &
exec "$@" 3<&- </dev/null`;
  const child = spawn('sh', ['-c', script, 'kafka-watchdog', home, ...argv], { cwd: home, stdio: ['pipe', outFd, outFd] });
  child.stdin?.on('error', () => {}); // EPIPE once the broker is gone
  (child.stdin as Socket | null)?.unref();
  child.unref();
  return child;
}

async function waitUntilAnswering(brokers: string, deadline: number, signal: AbortSignal): Promise<boolean> {
  const kafka = new Kafka({
    clientId: 'carrello-kafka-probe',
    brokers: [brokers],
    logLevel: logLevel.NOTHING, // connection refusals are expected until the broker is up
    connectionTimeout: 1_000,
    retry: { retries: 0 },
  });
  while (Date.now() < deadline && !signal.aborted) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      await warmCoordinators(kafka, admin, deadline, signal);
      return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }
  return false;
}

/**
 * The first group request makes the broker create __consumer_offsets, and the first idempotent producer
 * waits for the broker's first block of producer ids. Until then kafkajs logs "coordinator is not
 * available / is loading" at ERROR level and retries. Doing both here means "ready" also means consumer
 * groups and idempotent producers work at once.
 */
async function warmCoordinators(kafka: Kafka, admin: Admin, deadline: number, signal: AbortSignal): Promise<void> {
  const producer = kafka.producer({ idempotent: true, retry: { retries: 1 }, createPartitioner: Partitioners.DefaultPartitioner });
  const steps = [() => admin.describeGroups(['carrello-kafka-warmup']), () => producer.connect()];
  try {
    for (const step of steps) {
      while (Date.now() < deadline && !signal.aborted) {
        try {
          await step();
          break;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    }
  } finally {
    await producer.disconnect().catch(() => {});
  }
}

function serverConfig(port: number, controllerPort: number, dataDir: string): string {
  const props: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@${HOST}:${controllerPort}`,
    listeners: `PLAINTEXT://${HOST}:${port},CONTROLLER://${HOST}:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${HOST}:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': dataDir,
    'num.partitions': 1,
    'auto.create.topics.enable': false,
    'offsets.topic.replication.factor': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'group.initial.rebalance.delay.ms': 0,
  };
  return Object.entries(props)
    .map(([key, value]) => `${key}=${value}\n`)
    .join('');
}

function loggingConfig(file: string): string {
  return [
    'status = warn',
    // Log4j's own hook races Kafka's shutdown and prints a warning; the appender flushes every line anyway.
    'shutdownHook = disable',
    'appender.file.type = File',
    'appender.file.name = file',
    `appender.file.fileName = ${file}`,
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = info',
    'rootLogger.appenderRef.file.ref = file',
    // One line per request otherwise; Kafka's own config keeps these quiet too.
    'logger.request.name = kafka.request.logger',
    'logger.request.level = warn',
    '',
  ].join('\n');
}

/** A KRaft cluster id: 16 random bytes, base64url without padding, never starting with '-' (CLI parsing). */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function assertPortFree(port: number): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`cannot start Kafka on ${HOST}:${port}: ${error.message}`)));
    server.listen(port, HOST, resolve);
  });
  await new Promise((resolve) => server.close(resolve));
}

async function readLog(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '(missing)');
  return text.trimEnd().split('\n');
}
