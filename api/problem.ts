import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { QueryError, type QueryErrorCode } from '../sql/errors.ts';

/** An error that carries its HTTP answer: a stable `code` and a `status`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

interface HttpShaped {
  status: number;
  code: string;
  message: string;
  headers?: Record<string, string>;
  extra?: Record<string, unknown>;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  406: 'Not Acceptable',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

/** A refused or stopped query is the client's to fix (400); an export too large to serve is 422. */
const QUERY_STATUS: Partial<Record<QueryErrorCode, number>> = { export_too_large: 422, not_supported_on_engine: 501 };

/**
 * Errors of express's body readers that the client caused: they carry a status and a `type` but no code.
 * Each gets a stable code of its own (the status stays theirs); without it they were answered as 500.
 */
const BODY_ERROR_CODES: Record<string, string> = {
  'encoding.unsupported': 'unsupported_encoding',
  'charset.unsupported': 'unsupported_charset',
  'request.aborted': 'request_aborted',
  'request.size.invalid': 'invalid_content_length',
};

function httpShaped(err: unknown): err is HttpShaped {
  const e = err as Partial<HttpShaped> | null;
  return typeof e?.status === 'number' && typeof e.code === 'string' && typeof e.message === 'string';
}

/** The one place where errors become RFC 9457 problem+json answers. */
export function problemHandler(log: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) {
      // A streamed answer failed midway: the status is gone, so cut the connection rather than end it
      // cleanly, and the client sees a broken transfer, never a short answer that looks whole.
      log.error({ err, path: req.path }, 'request failed after its answer started');
      res.destroy();
      return;
    }
    let status = 500;
    let code = 'internal';
    let detail = 'internal error; the server log has the details';
    let extra: Record<string, unknown> = {};
    const body = err as { type?: string; status?: number; limit?: number; message?: string };
    if (err instanceof QueryError) {
      status = QUERY_STATUS[err.code] ?? 400;
      code = err.code;
      detail = err.message;
      extra = err.extra;
    } else if (httpShaped(err)) {
      ({ status, code } = err);
      detail = err.message;
      extra = err.extra ?? {};
      for (const [k, v] of Object.entries(err.headers ?? {})) res.setHeader(k, v);
    } else if (body?.type === 'entity.too.large') {
      status = 413;
      code = 'body_too_large';
      detail = `the request body is larger than the limit of ${body.limit} bytes`;
      extra = { limit: body.limit };
    } else if (body?.type === 'entity.parse.failed') {
      status = 400;
      code = 'invalid_json';
      detail = `the body is not JSON: ${body.message}`;
    } else if (typeof body?.type === 'string' && BODY_ERROR_CODES[body.type] && typeof body.status === 'number') {
      status = body.status;
      code = BODY_ERROR_CODES[body.type]!;
      detail = `the request body could not be read: ${body.message}`;
    } else if (err instanceof URIError) {
      // A path that express could not percent-decode, outside the routes that name their parameters.
      status = 400;
      code = 'invalid_request';
      detail = `the path is not valid percent-encoding: ${err.message}`;
    } else {
      log.error({ err, path: req.path }, 'request failed');
    }
    res.status(status).type('application/problem+json').json({
      type: `https://carrello.dev/problems/${code}`,
      title: TITLES[status] ?? 'Error',
      status,
      code,
      detail,
      instance: req.originalUrl,
      ...extra,
    });
  };
}

/**
 * The body of every error answer, as problemHandler writes it: described once here for /openapi.json (each
 * operation's 4XX and 5XX answers) and for the suites that validate answers against it. `code` is the
 * stable part; the extra members a code carries (the limit it went over, the fields at fault) are listed
 * where known and allowed beyond.
 */
export const ProblemBody = z
  .object({
    type: z.string().describe('https://carrello.dev/problems/<code>'),
    title: z.string().describe("the status's reason phrase"),
    status: z.int().min(400).max(599),
    code: z.string().describe('stable, snake_case: what a client branches on'),
    detail: z.string().describe('for a person: what went wrong and how to fix it'),
    instance: z.string().describe('the request path and query'),
    errors: z
      .array(
        z.union([
          z.object({ in: z.enum(['query', 'body', 'path']), field: z.string(), message: z.string() }),
          z.object({ index: z.int(), field: z.string().nullable(), detail: z.string() }),
        ]),
      )
      .optional()
      .describe('each field at fault (invalid_request), or each refused snapshot (invalid_snapshot)'),
    limit: z.number().optional().describe('the limit the request went over'),
    limit_name: z.string().optional().describe('the setting that holds it'),
  })
  .catchall(z.unknown());
