import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';

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
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function httpShaped(err: unknown): err is HttpShaped {
  const e = err as Partial<HttpShaped> | null;
  return typeof e?.status === 'number' && typeof e.code === 'string' && typeof e.message === 'string';
}

/** The one place where errors become RFC 9457 problem+json answers. */
export function problemHandler(log: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    let status = 500;
    let code = 'internal';
    let detail = 'internal error; the server log has the details';
    let extra: Record<string, unknown> = {};
    const body = err as { type?: string; status?: number; limit?: number; message?: string };
    if (httpShaped(err)) {
      ({ status, code } = err);
      detail = err.message;
      extra = err.extra ?? {};
      for (const [k, v] of Object.entries(err.headers ?? {})) res.setHeader(k, v);
    } else if (body?.type === 'entity.too.large') {
      status = 413;
      code = 'body_too_large';
      detail = `the request body is larger than the limit of ${body.limit} bytes`;
    } else if (body?.type === 'entity.parse.failed') {
      status = 400;
      code = 'invalid_json';
      detail = `the body is not JSON: ${body.message}`;
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
