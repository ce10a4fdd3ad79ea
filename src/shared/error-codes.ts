/**
 * Every error code the supervisor answers (RPC envelopes `{"ok":false,"error":{"code"}}`, the
 * REST routes' `"code"`, IPC) or the dashboard makes itself: the one table. Each has the
 * HTTP status the control server answers with it, who makes it, and what it means.
 * `httpStatusOf` (src/main/core/rpc.ts) reads the status from here, the error classes type
 * their codes from here, and test/unit/error-codes.test.ts checks that every code literal in
 * src/ is listed, so a new code cannot silently answer HTTP 500.
 * Zod-free (the renderer and tests import it as plain data).
 */

/** Who makes a code. */
export type ErrorSource =
  /** The RPC dispatcher and the IPC bridge (src/main/core/rpc.ts, src/main/app/ipc.ts). */
  | 'rpc'
  /** The supervisor and its launcher (src/main/core/errors.ts). */
  | 'supervisor'
  /** The settings store and channels (src/main/core/settings/settings-errors.ts). */
  | 'settings'
  /** The backend client, on behalf of the backend's API (src/main/client/errors.ts). */
  | 'backend-client'
  /** The control server's HTTP layer: access checks, fastify, the event stream (src/main/server). */
  | 'http'
  /** The dashboard itself, for failures it detects (never sent by the server). */
  | 'dashboard';

/** One row of {@link ERROR_CODES}. */
export interface ErrorCodeInfo {
  /** The HTTP status the control server answers with it; null for codes only the dashboard makes. */
  readonly status: number | null;
  readonly source: ErrorSource;
  /** What it means, for a person reading the API's answer. */
  readonly meaning: string;
}

/** The error codes, by name. */
export const ERROR_CODES = {
  // ---- the dispatcher and the access checks
  BAD_ARGUMENTS: {
    status: 400,
    source: 'rpc',
    meaning: "the arguments (or the body) fail the channel's schema; `field` names the first bad one",
  },
  UNAUTHORIZED: { status: 401, source: 'rpc', meaning: 'no bearer token, or a wrong one' },
  FORBIDDEN: {
    status: 403,
    source: 'rpc',
    meaning:
      'refused for this caller: the read-only token on a control route, a foreign Origin, an untrusted frame, a dotfile',
  },
  UNKNOWN_CHANNEL: { status: 404, source: 'rpc', meaning: 'no such RPC channel' },
  TOO_MANY_CALLS: {
    status: 429,
    source: 'rpc',
    meaning:
      'the window has as many calls of this IPC channel under way as it may (src/main/app/ipc.ts); try again once they are answered',
  },
  INTERNAL: { status: 500, source: 'rpc', meaning: 'an unexpected failure (a bug); the message says what' },

  // ---- the supervisor
  COMMAND_NOT_FOUND: { status: 500, source: 'supervisor', meaning: 'the backend command is not on PATH or not there' },
  NOT_EXECUTABLE: { status: 500, source: 'supervisor', meaning: 'the backend command is not an executable file' },
  NOT_A_PROGRAM: {
    status: 500,
    source: 'supervisor',
    meaning: 'the backend command is not a program this system runs',
  },
  BAD_WORKING_DIR: {
    status: 500,
    source: 'supervisor',
    meaning: 'the working directory is missing or cannot be entered',
  },
  SPAWN_FAILED: { status: 500, source: 'supervisor', meaning: 'the operating system could not start the backend' },
  REMOTE_MODE: { status: 409, source: 'supervisor', meaning: 'remote mode: the supervisor starts and stops nothing' },
  DISPOSED: { status: 409, source: 'supervisor', meaning: 'the supervisor is shutting down' },
  UNKNOWN_SERVICE: { status: 404, source: 'supervisor', meaning: 'no service of that name in the stack' },
  RELOAD_IN_PROGRESS: {
    status: 409,
    source: 'supervisor',
    meaning: 'a reload of the settings and the stack file is under way: one at a time; ask again when it answers',
  },
  RELOAD_PLAN_CHANGED: {
    status: 409,
    source: 'supervisor',
    meaning:
      'the settings or the stack file changed since the dry run confirmed: nothing applied; look at the new plan',
  },
  ILLEGAL_TRANSITION: {
    status: 500,
    source: 'supervisor',
    meaning: 'a state change the state table forbids (a bug); the message names it',
  },
  NOT_AVAILABLE: {
    status: 501,
    source: 'supervisor',
    meaning: "not offered here (the file picker outside the desktop, the tray's language over HTTP)",
  },

  // ---- the settings store
  SETTINGS_FILE_INVALID: {
    status: 409,
    source: 'settings',
    meaning: 'the settings file on disk is corrupt; it is never overwritten',
  },
  SETTINGS_UNAVAILABLE: { status: 501, source: 'settings', meaning: 'this supervisor keeps no settings file' },
  STACK_FILE_INVALID: {
    status: 400,
    source: 'settings',
    meaning: 'the stack file text does not validate; the message has a `file:line: field: problem` line per problem',
  },

  // ---- the backend client
  NOT_LOGGED_IN: { status: 403, source: 'backend-client', meaning: 'no backend session: log in first' },
  SESSION_EXPIRED: { status: 403, source: 'backend-client', meaning: 'the backend refused the session: log in again' },
  BACKEND_UNAUTHORIZED: { status: 403, source: 'backend-client', meaning: 'the backend refused the credentials' },
  BACKEND_HTTP: {
    status: 502,
    source: 'backend-client',
    meaning: "the backend answered non-2xx; `status` and `backend_code` are the backend's",
  },
  BACKEND_UNREACHABLE: { status: 502, source: 'backend-client', meaning: 'the backend cannot be reached' },
  BACKEND_TIMEOUT: { status: 504, source: 'backend-client', meaning: 'the backend did not answer in time' },
  BACKEND_INVALID_RESPONSE: {
    status: 502,
    source: 'backend-client',
    meaning: "the backend's answer does not match its contract; `field` names the first bad one",
  },
  BACKEND_RESPONSE_TOO_LARGE: {
    status: 502,
    source: 'backend-client',
    meaning: "the backend's answer passed the size cap",
  },

  // ---- the control server's HTTP layer (REST shape `{"error","code"}`)
  BAD_REQUEST: { status: 400, source: 'http', meaning: 'a malformed request, or a token in the URL' },
  NOT_FOUND: { status: 404, source: 'http', meaning: 'no such route or file' },
  REQUEST_TIMEOUT: { status: 408, source: 'http', meaning: 'the request did not arrive in time' },
  PAYLOAD_TOO_LARGE: { status: 413, source: 'http', meaning: 'the body is over 1 MiB' },
  URI_TOO_LONG: { status: 414, source: 'http', meaning: 'a URL parameter is over 100 characters' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, source: 'http', meaning: 'a body that is not application/json' },
  RANGE_NOT_SATISFIABLE: { status: 416, source: 'http', meaning: 'a Range outside a dashboard file' },
  MISDIRECTED: { status: 421, source: 'http', meaning: 'the Host header is not a loopback name (DNS rebinding)' },
  HEADERS_TOO_LARGE: { status: 431, source: 'http', meaning: 'request headers over 16 KiB' },
  TOO_MANY_STREAMS: { status: 503, source: 'http', meaning: 'the event streams are all taken (32); close a tab' },

  // ---- the dashboard's own
  BAD_RESPONSE: {
    status: null,
    source: 'dashboard',
    meaning: "an answer that is not an envelope or does not match the channel's result schema",
  },
  NETWORK: { status: null, source: 'dashboard', meaning: 'the supervisor cannot be reached' },
} as const satisfies Record<string, ErrorCodeInfo>;

/** Every error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes one {@link ErrorSource} makes. */
export type ErrorCodeOf<S extends ErrorSource> = {
  [C in ErrorCode]: (typeof ERROR_CODES)[C]['source'] extends S ? C : never;
}[ErrorCode];

/** True for a code of the table (guards codes read off the wire). */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CODES, code);
}

/** The codes of one source, in table order. */
export function errorCodesOf<S extends ErrorSource>(source: S): ErrorCodeOf<S>[] {
  return (Object.keys(ERROR_CODES) as ErrorCode[]).filter(
    (code): code is ErrorCodeOf<S> => ERROR_CODES[code].source === source,
  );
}
