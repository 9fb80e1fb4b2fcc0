import { ARROW_ROLES, authorize, type Role } from '../auth.ts';
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { negotiate, send, type Answer } from './formats.ts';
import { CarrelloError } from '../../errors/carrelloError.ts';


type AnyObject = z.ZodObject<z.ZodRawShape>;

export type { Role };

export interface RouteSpec<Q extends AnyObject, B extends z.ZodType, P extends AnyObject> {
  method: 'get' | 'post' | 'put';
  /** Express path, e.g. `/v1/carts/:cart_id`. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  roles: Role[];
  query?: Q;
  body?: B;
  params?: P;
  /** The largest body taken (default 256 kB; beyond it 413 body_too_large). */
  bodyBytes?: number;
  /** The body may also come as NDJSON (application/x-ndjson): its lines are validated as a JSON array's items. */
  ndjson?: boolean;
  /** The status of an answer (default 200; 202 for a request queued, done later). */
  status?: 200 | 202;
  /** Which representations the answer has (default json, csv, arrow when it returns a table). */
  formats?: ('json' | 'csv' | 'arrow')[];
  /** Media types of a route that streams its own answer; its query schema then owns `format`, if any. */
  contentTypes?: string[];
  handler: (input: { query: z.output<Q>; body: z.output<B>; params: z.output<P> }, req: Request, res: Response) => Promise<Answer | void>;
}

// Routes register themselves here, so /openapi.json is generated from the very schemas that validate.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteSpec<any, any, any>;

export function defineRoute<Q extends AnyObject = AnyObject, B extends z.ZodType = z.ZodUndefined, P extends AnyObject = AnyObject>(
  spec: RouteSpec<Q, B, P>,
): AnyRoute {
  return spec as AnyRoute;
}

/** Mounts routes: validates params, query and body with their zod schemas (400 naming the field), then answers. */
export function mountRoutes(routes: readonly AnyRoute[]): Router {
  const router = express.Router();
  for (const route of routes) {
    const limit = route.bodyBytes ?? 256 * 1024;
    const handlers = route.method === 'get' ? [] : [express.json({ limit }), ...(route.ndjson ? [express.text({ type: NDJSON_TYPES, limit })] : [])];
    router[route.method](route.path, ...handlers, async (req: Request, res: Response) => {
      authorize(req, route.roles, `call ${route.method.toUpperCase()} ${route.path}`);
      // Negotiated before any work: a format not offered is refused here, not after the query ran.
      const format = route.contentTypes ? null : negotiate(req, route.formats);
      if (format === 'arrow') authorize(req, ARROW_ROLES, 'receive Arrow answers');
      const params = parse(route.params, req.params, 'path');
      const { format: _format, ...negotiated } = req.query as Record<string, unknown>;
      const rawQuery = route.query?.shape.format ? req.query : negotiated;
      const query = parse(route.query, rawQuery, 'query');
      if (route.ndjson && !req.is(['application/json', ...NDJSON_TYPES])) {
        throw new CarrelloError('unsupported_media_type', 'expected a JSON array (content-type: application/json) or NDJSON (application/x-ndjson)');
      }
      const body = route.body ? parse(route.body, route.ndjson && typeof req.body === 'string' ? ndjsonItems(req.body) : req.body, 'body') : undefined;
      const answer = await route.handler({ query, body, params }, req, res);
      if (route.status) res.status(route.status);
      if (answer) send(req, res, answer, format ?? undefined);
    });
  }
  router.use(pathDecodeError(routes));
  return router;
}

const NDJSON_TYPES = ['application/x-ndjson', 'application/jsonl', 'application/ndjson'];

/** An NDJSON body's non-blank lines as the items of an array; a line that is not JSON is a 400 naming it (1-based). */
function ndjsonItems(text: string): unknown[] {
  const items: unknown[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    try {
      items.push(JSON.parse(line));
    } catch (err) {
      const message = `line ${i + 1} is not JSON: ${(err as Error).message}`;
      throw new CarrelloError('invalid_json', `body ${message}`, { line: i + 1 });
    }
  }
  return items;
}

/**
 * Express decodes path parameters before any route runs, and a `%` that starts no escape (`/v1/carts/%`,
 * `%ff%fe`) throws a URIError that carries no code: a 400 invalid_request naming the parameter instead.
 */
function pathDecodeError(routes: readonly AnyRoute[]) {
  return (err: unknown, req: Request, _res: Response, next: (err?: unknown) => void): void => {
    if (!(err instanceof URIError)) return next(err);
    const field = undecodableParam(routes, req.path) ?? '(path)';
    const message = 'is not valid percent-encoding (a % must start an escape of a UTF-8 byte sequence, e.g. %25 for % itself)';
    next(new CarrelloError('invalid_request', `path ${field}: ${message}`, { errors: [{ in: 'path', field, message }] }));
  };
}

function undecodableParam(routes: readonly AnyRoute[], path: string): string | null {
  const segments = path.split('/');
  for (const route of routes) {
    const pattern = route.path.split('/');
    if (pattern.length !== segments.length) continue;
    if (!pattern.every((p, i) => p.startsWith(':') || p === segments[i])) continue;
    for (let i = 0; i < pattern.length; i++) {
      if (!pattern[i]!.startsWith(':')) continue;
      try {
        decodeURIComponent(segments[i]!);
      } catch {
        return pattern[i]!.slice(1);
      }
    }
  }
  return null;
}

function parse(schema: z.ZodType | undefined, value: unknown, where: 'query' | 'body' | 'path'): never | any {
  if (!schema) return {};
  const strict = schema instanceof z.ZodObject && where === 'query' ? schema.strict() : schema;
  const result = strict.safeParse(value ?? {});
  if (result.success) return result.data;
  const errors = result.error.issues.map((i) => ({
    in: where,
    // An unknown key is named where it is (`3.colour` in an array body), as any other field.
    field: i.code === 'unrecognized_keys' ? [...i.path.map(String), i.keys.join(',')].join('.') : i.path.map(String).join('.'),
    message: i.code === 'unrecognized_keys' ? `unknown ${where === 'body' ? 'field' : 'parameter'}(s): ${i.keys.join(', ')}` : i.message,
  }));
  const first = errors[0]!;
  throw new CarrelloError('invalid_request', `${where} ${first.field || '(body)'}: ${first.message}`, { errors });
}

function requestContent(r: AnyRoute): Record<string, unknown> {
  const schema = z.toJSONSchema(r.body, { io: 'input', unrepresentable: 'any' }) as { items?: unknown };
  // NDJSON: one item of the array per line.
  return { 'application/json': { schema }, ...(r.ndjson ? { 'application/x-ndjson': { schema: schema.items ?? {} } } : {}) };
}

/** OpenAPI 3.1 document built from the registered routes' zod schemas. */
export function openApiDocument(routes: readonly AnyRoute[], info: { title: string; version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const [where, schema] of [['path', r.params], ['query', r.query]] as const) {
      if (!schema) continue;
      const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, s] of Object.entries(json.properties ?? {})) {
        parameters.push({ name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: s, description: (s as { description?: string }).description });
      }
    }
    const formats = r.formats ?? ['json', 'csv', 'arrow'];
    const content: Record<string, unknown> = {};
    if (r.contentTypes) {
      for (const t of r.contentTypes) content[t] = {};
    } else {
      if (formats.length > 1) parameters.push({ name: 'format', in: 'query', required: false, schema: { type: 'string', enum: formats } });
      if (formats.includes('json')) content['application/json'] = {};
      if (formats.includes('csv')) content['text/csv'] = {};
      if (formats.includes('arrow')) content['application/vnd.apache.arrow.stream'] = {};
    }
    paths[path] ??= {};
    paths[path][r.method] = {
      summary: r.summary,
      description: r.description,
      tags: r.tags,
      'x-roles': r.roles,
      parameters,
      ...(r.body ? { requestBody: { required: true, content: requestContent(r) } } : {}),
      responses: {
        [String(r.status ?? 200)]: { description: r.status === 202 ? 'queued' : 'the answer', content },
        '400': { description: 'invalid request; problem+json naming the field', content: { 'application/problem+json': {} } },
        ...(r.contentTypes ? {} : { '406': { description: 'no offered representation matches Accept; problem+json not_acceptable', content: { 'application/problem+json': {} } } }),
      },
    };
  }
  return { openapi: '3.1.0', info, paths };
}
