import { ApiError, type RpcError } from '../../../shared/contract';

/**
 * An {@link ApiError} that keeps the whole error envelope: the contract's `ApiError` keeps
 * only `code` and `message`, while errors of the backend client also carry the backend's
 * HTTP `status`, its own error code (`backend_code`) and the first bad `field`. Its `name`
 * stays `ApiError`, and `instanceof ApiError` holds.
 */
export class DetailedApiError extends ApiError {
  /** The backend's HTTP status (backend client errors). */
  readonly status: number | undefined;
  /** The backend's own error code, e.g. `CONFLICT` (backend-contract.md error format). */
  readonly backendCode: string | undefined;
  /** The first field of an answer that failed validation. */
  readonly field: string | undefined;

  constructor(error: RpcError) {
    super(error);
    this.status = error.status;
    this.backendCode = error.backend_code;
    this.field = error.field;
  }
}

/** What is known about a failure, whatever was thrown. */
export interface ErrorDetails {
  /** The main process's or the transport's code (`BACKEND_HTTP`, `SESSION_EXPIRED`, …); undefined for a non-API error. */
  code: string | undefined;
  message: string;
  status: number | undefined;
  backendCode: string | undefined;
  field: string | undefined;
}

/** The code, message, status, backend code and field of anything thrown. */
export function errorDetails(error: unknown): ErrorDetails {
  if (error instanceof ApiError) {
    const detailed = error instanceof DetailedApiError ? error : undefined;
    return {
      code: error.code,
      message: error.message,
      status: detailed?.status,
      backendCode: detailed?.backendCode,
      field: detailed?.field,
    };
  }
  return {
    code: undefined,
    message: error instanceof Error ? error.message : String(error),
    status: undefined,
    backendCode: undefined,
    field: undefined,
  };
}

/** The code of an {@link ApiError}, or undefined for anything else. */
export function errorCode(error: unknown): string | undefined {
  return error instanceof ApiError ? error.code : undefined;
}
