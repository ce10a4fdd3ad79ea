import type { FastifyError, FastifyInstance } from 'fastify';
import type { z } from 'zod';

/** Error codes of the backend contract (`backend-contract.md`, "Errors"). */
export type ErrorCode =
  | 'BAD_REQUEST'
  | 'VALIDATION_FAILED'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'INTERNAL'
  | 'UNAVAILABLE';

/** Body of every non-2xx answer: `{"error": human text, "code", "timestamp": RFC 3339 UTC}`. */
export interface ErrorBody {
  error: string;
  code: ErrorCode;
  timestamp: string;
}

/**
 * An error a route handler throws to answer with the contract's error format.
 * `status` is the HTTP status, `code` the contract code, `message` goes to the client as is,
 * so it must not carry internals.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Formats a Date as RFC 3339 in UTC without milliseconds: `2026-01-21T10:30:00Z`. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Builds an error body stamped with the current time. */
export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: message, code, timestamp: rfc3339(new Date()) };
}

/**
 * Parses untrusted input with a zod schema.
 * @throws ApiError 400 VALIDATION_FAILED listing each bad field (`email: Invalid input; …`).
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'body'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues
    .slice(0, 10)
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
  throw new ApiError(400, 'VALIDATION_FAILED', `invalid ${what}: ${details}`);
}

// Fastify's own client errors (body parsing, media type, size) keep their status but get
// contract codes and short human messages instead of Fastify's internal wording.
const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed JSON body',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported content type; send application/json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'request body too large',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'content-length does not match the body',
};

function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'CONFLICT';
    case 503:
      return 'UNAVAILABLE';
    default:
      return status >= 500 ? 'INTERNAL' : 'BAD_REQUEST';
  }
}

/**
 * Installs the error and not-found handlers so that every non-2xx answer, including
 * Fastify's own (malformed JSON, unknown route), uses the contract's error format.
 * Unexpected errors answer 500 INTERNAL and are reported through `logError`.
 */
export function installErrorHandlers(app: FastifyInstance, logError: (line: string) => void): void {
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    void reply.code(404).send(errorBody('NOT_FOUND', `no route for ${request.method} ${path}`));
  });

  app.setErrorHandler((err: FastifyError | ApiError | Error, request, reply) => {
    if (err instanceof ApiError) {
      return reply.code(err.status).send(errorBody(err.code, err.message));
    }
    const status = 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 400 && status < 500) {
      const fstCode = 'code' in err && typeof err.code === 'string' ? err.code : '';
      const message = FASTIFY_MESSAGES[fstCode] ?? err.message;
      return reply.code(status).send(errorBody(codeForStatus(status), message));
    }
    logError(`error in ${request.method} ${request.url}: ${err.stack ?? err.message}`);
    const code = codeForStatus(status);
    return reply
      .code(status >= 500 && status < 600 ? status : 500)
      .send(errorBody(code, code === 'UNAVAILABLE' ? 'service unavailable' : 'internal server error'));
  });
}
