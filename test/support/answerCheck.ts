import { appendFileSync } from 'node:fs';
import { afterAll, afterEach, expect } from 'vitest';
import type { ValidateFunction } from 'ajv';

/**
 * Every JSON answer a suite receives from carrello (a loopback URL whose method and path are an operation of
 * /openapi.json) is validated against that operation's response schema for its status and media type, with
 * ajv (JSON Schema 2020-12, formats checked). A mismatch, or a status the document does not list, fails the
 * request (fetch rejects naming it) and the test (afterEach). Installed for every suite by vitest.config.ts.
 *
 * The document is built from the app's own route table (api/routes), as createApp builds it: a process a
 * suite spawns (`carrello start`) serves the same schemas.
 */

export interface AnswerCheck {
  /** Answers validated in this file so far. */
  validated: number;
  /** Mismatches found since the last afterEach (or takeMismatches). */
  mismatches: string[];
}

const KEY = Symbol.for('carrello.answerCheck');
type WithCheck = typeof globalThis & { [KEY]?: AnswerCheck };

export function answerCheck(): AnswerCheck {
  const g = globalThis as WithCheck;
  g[KEY] ??= { validated: 0, mismatches: [] };
  return g[KEY];
}

/** The mismatches found so far, cleared: for a test that provokes one on purpose. */
export function takeMismatches(): string[] {
  const check = answerCheck();
  return check.mismatches.splice(0);
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const CANDIDATE = /^\/(v1\/|healthz$|metrics$|openapi\.json$|sdk\/)/;

interface Operation {
  pattern: RegExp;
  literal: boolean;
  pointer: string;
  responses: Record<string, { content?: Record<string, unknown>; $ref?: string }>;
}

let loaded: Promise<{ ops: Map<string, Operation[]>; validator: (pointer: string) => ValidateFunction; document: Record<string, unknown> }> | null = null;

async function load() {
  const [{ openApiDocument }, { allRoutes }, { OUTSIDE_OPERATIONS }, { DEFAULT_API_LIMITS }, { Ajv2020 }, addFormats] = await Promise.all([
    import('../../api/http/openapi.ts'),
    import('../../api/routes/index.ts'),
    import('../../api/routes/outside.ts'),
    import('../../api/limits.ts'),
    import('ajv/dist/2020.js'),
    import('ajv-formats'),
  ]);
  // The route table only: no store is reached while the document is built.
  const document = openApiDocument(allRoutes({ warehouse: {} as never, limits: DEFAULT_API_LIMITS }), OUTSIDE_OPERATIONS, {
    title: 'carrello API',
    version: '1',
  });
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormats.default as unknown as (a: typeof ajv) => void)(ajv);
  ajv.addSchema(document, 'openapi');
  const ops = new Map<string, Operation[]>();
  for (const [path, methods] of Object.entries(document.paths as Record<string, Record<string, { responses: Operation['responses'] }>>)) {
    for (const [method, op] of Object.entries(methods)) {
      const pattern = new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')}$`);
      const list = ops.get(method.toUpperCase()) ?? [];
      list.push({ pattern, literal: !path.includes('{'), pointer: `/paths/${token(path)}/${method}`, responses: op.responses });
      ops.set(method.toUpperCase(), list);
    }
  }
  const compiled = new Map<string, ValidateFunction>();
  const validator = (pointer: string) => {
    let v = compiled.get(pointer);
    if (!v) {
      v = ajv.compile({ $ref: `openapi#${pointer}` });
      compiled.set(pointer, v);
    }
    return v;
  };
  return { ops, validator, document };
}

/** A JSON pointer token, as a URI fragment holds it. */
function token(s: string): string {
  return encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'));
}

/** The mismatch of one answer with the document, or null when it conforms (or is not carrello's JSON). */
export async function checkAnswer(method: string, url: URL, status: number, contentType: string, body: unknown): Promise<string | null> {
  loaded ??= load();
  const { ops, validator } = await loaded;
  const candidates = (ops.get(method) ?? []).filter((o) => o.pattern.test(url.pathname));
  const op = candidates.find((o) => o.literal) ?? candidates[0];
  if (!op) return null;
  const where = `${method} ${url.pathname} ${status} ${contentType}`;
  const range = `${String(status)[0]}XX`;
  const key = op.responses[String(status)] ? String(status) : op.responses[range] ? range : null;
  if (key === null) return `${where}: status ${status} is not in /openapi.json`;
  const response = op.responses[key]!;
  // A range answer is the shared problem+json response.
  const contentPointer = response.$ref ? `${response.$ref.slice(1)}/content` : `${op.pointer}/responses/${key}/content`;
  const content = response.$ref ? { 'application/problem+json': {} } : (response.content ?? {});
  if (!(contentType in content)) return `${where}: media type ${contentType} is not in /openapi.json for status ${key}`;
  const validate = validator(`${contentPointer}/${token(contentType)}/schema`);
  if (validate(body)) return null;
  return `${where} does not match /openapi.json: ${(validate.errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '(answer)'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`)
    .join('; ')}`;
}

function install(): void {
  const original = globalThis.fetch;
  if ((original as { checked?: boolean }).checked) return;
  const checked = async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]): Promise<Response> => {
    const res = await original(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!LOOPBACK.has(url.hostname) || !CANDIDATE.test(url.pathname)) return res;
    const contentType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    if (contentType !== 'application/json' && contentType !== 'application/problem+json') return res;
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    let body: unknown;
    try {
      body = await res.clone().json();
    } catch {
      return res; // a body cut off or not JSON: the suite's own assertions say what it expected
    }
    const mismatch = await checkAnswer(method, url, res.status, contentType, body);
    const check = answerCheck();
    if (mismatch === null) {
      check.validated += 1;
      return res;
    }
    check.mismatches.push(mismatch);
    throw new Error(mismatch);
  };
  globalThis.fetch = Object.assign(checked, { checked: true }) as typeof fetch;
}

install();

afterEach(() => {
  const found = takeMismatches();
  if (found.length > 0) throw new Error(`answers that do not match /openapi.json:\n${found.join('\n')}`);
});

// ANSWER_CHECK_LOG=<file>: each suite appends how many answers it had validated (how the lead sees it runs).
afterAll(() => {
  const log = process.env.ANSWER_CHECK_LOG;
  if (log) appendFileSync(log, `${expect.getState().testPath ?? '?'} ${answerCheck().validated}\n`);
});
