import type { ErrorCodeOf } from '../../shared/error-codes';

/**
 * Typed errors of the backend client. `code` is what crosses IPC/RPC; the renderer shows
 * `message`. Every failure of a backend call is one of these, never a raw undici error.
 */
export type BackendErrorCode = ErrorCodeOf<'backend-client'>;

/** Base class: `code` names the kind of failure; `status` is the HTTP status when one came. */
export class BackendClientError extends Error {
  constructor(
    readonly code: BackendErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'BackendClientError';
  }
}

/** The backend could not be reached (refused, reset, DNS). */
export class NetworkError extends BackendClientError {
  constructor(message: string) {
    super('BACKEND_UNREACHABLE', message);
    this.name = 'NetworkError';
  }
}

/** No complete answer within the request's timeout. */
export class TimeoutError extends BackendClientError {
  constructor(method: string, path: string, timeoutMs: number) {
    super('BACKEND_TIMEOUT', `${method} ${path}: no answer within ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

/** A non-2xx answer; `backendCode` is the contract's `code` field when the body had one. */
export class HttpError extends BackendClientError {
  constructor(
    status: number,
    message: string,
    readonly backendCode: string | null,
  ) {
    super('BACKEND_HTTP', message, status);
    this.name = 'HttpError';
  }
}

/** A 2xx answer that is not what the contract says; `field` names the first bad field. */
export class ValidationError extends BackendClientError {
  constructor(
    message: string,
    readonly field: string | null,
  ) {
    super('BACKEND_INVALID_RESPONSE', message);
    this.name = 'ValidationError';
  }
}

/** The answer's body passed the size cap and was aborted. */
export class ResponseTooLargeError extends BackendClientError {
  constructor(method: string, path: string, capBytes: number) {
    super('BACKEND_RESPONSE_TOO_LARGE', `${method} ${path}: answer larger than ${capBytes} bytes, aborted`);
    this.name = 'ResponseTooLargeError';
  }
}

/** 401 from the backend: wrong credentials at login, or a token it refuses. */
export class UnauthorizedError extends BackendClientError {
  constructor(
    message: string,
    code: 'BACKEND_UNAUTHORIZED' | 'SESSION_EXPIRED' | 'NOT_LOGGED_IN' = 'BACKEND_UNAUTHORIZED',
  ) {
    super(code, message, code === 'NOT_LOGGED_IN' ? undefined : 401);
    this.name = 'UnauthorizedError';
  }
}
