// Fetches the Kafka broker's jars from Maven Central into .cache/kafka/<version>/libs (git-ignored).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const here = path.dirname(fileURLToPath(import.meta.url));
const pomPath = path.join(here, 'pom.xml');
const repoRoot = path.resolve(here, '..', '..');
const STAMP = '.pom.sha256';

export interface KafkaLibs {
  version: string;
  /** Folder holding every jar of the broker's runtime classpath. */
  dir: string;
}

/** The Kafka version pinned in pom.xml, which is its only source. */
export async function kafkaVersion(): Promise<string> {
  return versionOf(await readFile(pomPath, 'utf8'));
}

/** Returns the cached libs, running Maven first when they are missing or were fetched for another pom.xml. */
export async function ensureKafkaLibs(log: (line: string) => void = () => {}): Promise<KafkaLibs> {
  const pom = await readFile(pomPath, 'utf8');
  const version = versionOf(pom);
  const stamp = createHash('sha256').update(pom).digest('hex');
  const dir = path.join(repoRoot, '.cache', 'kafka', version, 'libs');
  if (await hasStamp(dir, stamp)) return { version, dir };

  // INVARIANT: libs/ only ever appears complete. Maven fills a private staging folder that is renamed into
  // place after it succeeds, so an interrupted fetch or two test runs fetching at once never share a
  // half-filled classpath.
  const staging = `${dir}.partial-${process.pid}-${Date.now()}`;
  log(`fetching Kafka ${version} jars with Maven into ${path.relative(repoRoot, dir)}`);
  const started = Date.now();
  try {
    await execFileAsync('mvn', ['-q', '-B', '-Dstyle.color=never', '-f', pomPath, 'dependency:copy-dependencies', `-Dkafka.libs.dir=${staging}`], {
      cwd: repoRoot,
      maxBuffer: 16 * 1024 * 1024,
    });
    await writeFile(path.join(staging, STAMP), stamp);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw new Error(`fetching Kafka ${version} jars with Maven failed: ${describeExecError(error)}`, { cause: error });
  }
  await publish(staging, dir, stamp);
  log(`fetched Kafka ${version} jars in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { version, dir };
}

function versionOf(pom: string): string {
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom);
  if (!match?.[1]) throw new Error(`no <kafka.version> property in ${pomPath}`);
  return match[1].trim();
}

async function hasStamp(dir: string, stamp: string): Promise<boolean> {
  const found = await readFile(path.join(dir, STAMP), 'utf8').catch(() => undefined);
  return found === stamp;
}

async function publish(staging: string, dir: string, stamp: string): Promise<void> {
  for (;;) {
    try {
      await rename(staging, dir);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
      if (await hasStamp(dir, stamp)) {
        // Another process published the same jars first.
        await rm(staging, { recursive: true, force: true });
        return;
      }
      await rm(dir, { recursive: true, force: true }); // fetched for an older pom.xml
    }
  }
}

function describeExecError(error: unknown): string {
  const e = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
  if (e.code === 'ENOENT') return 'mvn is not on PATH (Maven 3.8+ and Java 17+ are needed)';
  const output = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
  return output || e.message;
}
