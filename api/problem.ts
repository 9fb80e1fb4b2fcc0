import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { CarrelloError, ERROR_CODES, isCarrelloError, type ErrorCode, type ErrorDetails } from '../errors/carrelloError.ts';

/**
 * Errors of express's body readers that the client caused: they carry a status and a `type` but no code.
 * Each gets a stable code of its own; without it they were answered as 500.
 */
const BODY_ERROR_CODES: Record<string, ErrorCode> = {
  'encoding.unsupported': 'unsupported_encoding',
  'charset.unsupported': 'unsupported_charset',
  'request.aborted': 'request_aborted',
  'request.size.invalid': 'invalid_content_length',
};

/**
 * The problem+json body of every error answer (RFC 9457): `type`, `title`, `status`, `code`, `detail`,
 * `instance`, then the error's details as extension members (snake_case, as every key).
 */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  instance: string;
  [extension: string]: unknown;
}

export function problemBody(code: ErrorCode, detail: string, instance: string, details: ErrorDetails = {}): ProblemBody {
  const { status, title } = ERROR_CODES[code];
  return { type: `https://carrello.dev/problems/${code}`, title, status, code, detail, instance, ...details };
}

/** Sends `err` (a CarrelloError whose code is not the process's own) as problem+json, with its Retry-After. */
export function sendProblem(res: Response, err: CarrelloError, instance: string): void {
  const entry: { status: number; retryAfterS?: number } = ERROR_CODES[err.code];
  if (entry.retryAfterS !== undefined) res.setHeader('Retry-After', String(entry.retryAfterS));
  res
    .status(entry.status)
    .type('application/problem+json')
    .json(problemBody(err.code, err.message, instance, err.details));
}

/** An error express or a library raised, as carrello's own when the client caused it; null otherwise. */
function fromLibrary(err: unknown): CarrelloError | null {
  const body = err as { type?: unknown; limit?: number; message?: string } | null;
  if (body?.type === 'entity.too.large') {
    return new CarrelloError('body_too_large', `the request body is larger than the limit of ${body.limit} bytes`, { limit: body.limit }, { cause: err });
  }
  if (body?.type === 'entity.parse.failed') return new CarrelloError('invalid_json', `the body is not JSON: ${body.message}`, {}, { cause: err });
  if (typeof body?.type === 'string' && Object.hasOwn(BODY_ERROR_CODES, body.type)) {
    return new CarrelloError(BODY_ERROR_CODES[body.type]!, `the request body could not be read: ${body.message}`, {}, { cause: err });
  }
  // A path that express could not percent-decode, outside the routes that name their parameters.
  if (err instanceof URIError) return new CarrelloError('invalid_request', `the path is not valid percent-encoding: ${err.message}`, {}, { cause: err });
  return null;
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
    const known = isCarrelloError(err) ? err : fromLibrary(err);
    // A code of status 500 is the process's own (a locked store, a refused insert): its message is for the log.
    if (known && known.status !== 500) return sendProblem(res, known, req.originalUrl);
    log.error({ err, path: req.path }, 'request failed');
    sendProblem(res, new CarrelloError('internal', 'internal error; the server log has the details'), req.originalUrl);
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
    title: z.string().describe("the code's title (one per code: errors/codes.ts)"),
    status: z.int().min(400).max(599),
    code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]).describe('stable, snake_case: what a client branches on'),
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
