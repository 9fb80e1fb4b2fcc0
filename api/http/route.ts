import { ARROW_ROLES, authorize, type Role } from '../auth.ts';
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { negotiate, send, type Answer, type TableRow } from './formats.ts';
import { CarrelloError } from '../../errors/carrelloError.ts';

type AnyObject = z.ZodObject<z.ZodRawShape>;

export type { Role };

export interface RouteSpec<Q extends AnyObject, B extends z.ZodType, P extends AnyObject, R extends z.ZodType = z.ZodType> {
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
  /** The columns of the CSV and Arrow answers, where their Arrow types matter (times, days, lists, counts). */
  row?: TableRow;
  /** The operation's name in /openapi.json and in generated clients: camelCase, unique, never renamed. */
  operationId: string;
  /** The JSON answer (api/http/answers.ts); null for a route that answers no JSON (it streams `contentTypes`). */
  response: R | null;
  handler: (input: { query: z.output<Q>; body: z.output<B>; params: z.output<P> }, req: Request, res: Response) => Promise<Answer<z.input<R>> | undefined>;
}

// Routes register themselves here, so /openapi.json is generated from the very schemas that validate.
// Their types are erased here: mountRoutes hands each handler what that route's own schemas parsed.
export type AnyRoute = Omit<RouteSpec<AnyObject, z.ZodType, AnyObject>, 'handler'> & {
  handler: (input: { query: unknown; body: unknown; params: unknown }, req: Request, res: Response) => Promise<Answer<unknown> | undefined>;
};

/** A route; its handler's answer is type-checked against its `response` schema. */
export function defineRoute<
  Q extends AnyObject = AnyObject,
  B extends z.ZodType = z.ZodUndefined,
  P extends AnyObject = AnyObject,
  R extends z.ZodType = z.ZodNever,
>(spec: RouteSpec<Q, B, P, R>): AnyRoute {
  return spec as unknown as AnyRoute;
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
      if (answer) send(req, res, answer, format ?? undefined, route.row);
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

function parse(schema: z.ZodType | undefined, value: unknown, where: 'query' | 'body' | 'path'): unknown {
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
