import { z } from 'zod';
import type { Role } from '../auth.ts';
import { ProblemBody } from '../problem.ts';
import { ARROW_STREAM } from './formats.ts';
import type { AnyRoute } from './route.ts';

/**
 * An operation served outside the route table (the collector, /healthz, /v1/stats, the SDK, ...): described
 * here by hand, next to what it answers, so that /openapi.json covers every route the app serves.
 */
export interface DocumentedOperation {
  method: 'get' | 'post' | 'put';
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** The roles of the API keys that may call it; `null`: no API key (open, or signed otherwise: `security`). */
  roles: Role[] | null;
  /** Security other than the API key (`roles: null`): a scheme of SECURITY_SCHEMES. */
  security?: keyof typeof SECURITY_SCHEMES;
  /** A public key may come as `?key=` (navigator.sendBeacon sends no header). */
  keyInUrl?: boolean;
  query?: z.ZodObject<z.ZodRawShape>;
  /** Request media types and their schema (null: not described as JSON). */
  requestBody?: Record<string, z.ZodType | null>;
  /** Answers by status: a description and media type → schema (null: not JSON). */
  responses: Record<string, { description: string; content: Record<string, z.ZodType | null> }>;
}

/** How an API key is sent (api/auth.ts); with no keys configured nothing is asked (a loopback-only listener). */
export const SECURITY_SCHEMES = {
  bearerKey: {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key of CARRELLO_API_KEYS: `Authorization: Bearer <key>`. No keys configured: no authentication (the listener is then loopback only).',
  },
  headerKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'The same API key in the X-API-Key header.' },
  publicKeyInUrl: {
    type: 'apiKey',
    in: 'query',
    name: 'key',
    description:
      'A public key (role public, POST /v1/events only) in the URL, as navigator.sendBeacon can send no header; any other role is refused there (401).',
  },
  shopifyHmac: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Shopify-Hmac-Sha256',
    description: "Shopify's HMAC-SHA256 of the raw body with the shop's secret (CARRELLO_SHOPIFY_SECRET); no API key.",
  },
} as const;

const PROBLEM = 'application/problem+json';
const problemContent = { [PROBLEM]: { schema: { $ref: '#/components/schemas/Problem' } } };
const problem = (description: string) => ({ description, content: problemContent });

/** OpenAPI 3.1 (JSON Schema 2020-12) from the route table's zod schemas and the operations documented beside it. */
export function openApiDocument(
  routes: readonly AnyRoute[],
  documented: readonly DocumentedOperation[],
  info: { title: string; version: string },
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of [...routes.map(routeOperation), ...documented]) {
    const path = op.path.replace(/:(\w+)/g, '{$1}');
    paths[path] ??= {};
    paths[path][op.method] = operationObject(op);
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      schemas: { Problem: jsonSchema(ProblemBody, 'output') },
      responses: { Problem: problem('an error: problem+json (RFC 9457) with a stable `code`') },
      securitySchemes: SECURITY_SCHEMES,
    },
  };
}

/** A route of the table as a documented operation: its answer in the formats it offers. */
function routeOperation(r: AnyRoute): DocumentedOperation & { params?: z.ZodObject<z.ZodRawShape>; formatParam?: string[] } {
  const formats = r.formats ?? ['json', 'csv', 'arrow'];
  const content: Record<string, z.ZodType | null> = {};
  if (r.contentTypes) {
    for (const t of r.contentTypes) content[t] = null;
  } else {
    if (formats.includes('json')) content['application/json'] = r.response;
    if (formats.includes('csv')) content['text/csv'] = null;
    if (formats.includes('arrow')) content[ARROW_STREAM] = null;
  }
  const status = String(r.status ?? 200);
  return {
    method: r.method,
    path: r.path,
    operationId: r.operationId,
    summary: r.summary,
    description: r.description,
    tags: r.tags,
    roles: r.roles,
    query: r.query,
    params: r.params,
    formatParam: !r.contentTypes && formats.length > 1 ? formats : undefined,
    requestBody: r.body ? { 'application/json': r.body, ...(r.ndjson ? { 'application/x-ndjson': ndjsonItem(r.body) } : {}) } : undefined,
    responses: {
      [status]: { description: r.status === 202 ? 'queued' : 'the answer', content },
      ...(r.contentTypes ? {} : { '406': { description: 'no offered representation matches Accept (not_acceptable)', content: {} } }),
    },
  };
}

function operationObject(op: DocumentedOperation & { params?: z.ZodObject<z.ZodRawShape>; formatParam?: string[] }): Record<string, unknown> {
  const parameters: unknown[] = [];
  for (const [where, schema] of [
    ['path', op.params],
    ['query', op.query],
  ] as const) {
    if (!schema) continue;
    const json = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, s] of Object.entries(json.properties ?? {})) {
      parameters.push({
        name,
        in: where,
        required: where === 'path' || (json.required ?? []).includes(name),
        schema: s,
        description: (s as { description?: string }).description,
      });
    }
  }
  if (op.formatParam)
    parameters.push({
      name: 'format',
      in: 'query',
      required: false,
      schema: { type: 'string', enum: op.formatParam },
      description: 'the representation (default: by Accept, else JSON)',
    });
  const keyed = op.roles !== null;
  const security = keyed
    ? [{ bearerKey: [] }, { headerKey: [] }, ...(op.keyInUrl ? [{ publicKeyInUrl: [] }] : [])]
    : op.security
      ? [{ [op.security]: [] }]
      : [];
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(op.responses)) {
    const content =
      Number(status) >= 400 && Object.keys(r.content).length === 0
        ? problemContent
        : Object.fromEntries(Object.entries(r.content).map(([type, schema]) => [type, { schema: mediaSchema(type, schema) }]));
    responses[status] = { description: r.description, content };
  }
  if (op.query || op.params || op.requestBody) responses['400'] ??= problem('invalid request (invalid_request naming the field, invalid_json, ...)');
  if (keyed) {
    responses['401'] ??= problem('no API key, or not a valid one (unauthenticated)');
    responses['403'] ??= problem(`the key's role may not call it (forbidden); roles: ${[...new Set([...op.roles!, 'admin'])].join(', ')}`);
  }
  responses['4XX'] = { $ref: '#/components/responses/Problem' };
  responses['5XX'] = { $ref: '#/components/responses/Problem' };
  return {
    operationId: op.operationId,
    summary: op.summary,
    description: op.description,
    tags: op.tags,
    ...(keyed ? { 'x-roles': op.roles } : {}),
    security,
    parameters,
    ...(op.requestBody
      ? {
          requestBody: {
            required: true,
            content: Object.fromEntries(Object.entries(op.requestBody).map(([type, schema]) => [type, { schema: schema ? jsonSchema(schema, 'input') : {} }])),
          },
        }
      : {}),
    responses,
  };
}

function mediaSchema(type: string, schema: z.ZodType | null): unknown {
  if (schema) return jsonSchema(schema, 'output');
  if (type.endsWith('json')) return { type: 'object' };
  if (type.startsWith('text/') || type === 'application/javascript') return { type: 'string' };
  return { type: 'string', contentMediaType: type };
}

/** A schema as JSON Schema 2020-12 inside the document: the answer as sent (output), a request as taken (input). */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return json;
}

/** NDJSON: one item of the body's array per line. */
function ndjsonItem(body: z.ZodType): z.ZodType | null {
  return body instanceof z.ZodArray ? (body.element as z.ZodType) : null;
}
