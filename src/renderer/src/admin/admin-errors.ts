import type { ErrorCodeOf } from '../../../shared/error-codes';
import { CLIENT_ERROR_CODES, errorDetails } from '../api';

/** Error codes of the main process's backend client (source `backend-client` in src/shared/error-codes.ts) that the admin views handle. */
export const BACKEND_ERROR_CODES = {
  notLoggedIn: 'NOT_LOGGED_IN',
  sessionExpired: 'SESSION_EXPIRED',
  wrongCredentials: 'BACKEND_UNAUTHORIZED',
  http: 'BACKEND_HTTP',
  unreachable: 'BACKEND_UNREACHABLE',
  timeout: 'BACKEND_TIMEOUT',
  invalidResponse: 'BACKEND_INVALID_RESPONSE',
  tooLarge: 'BACKEND_RESPONSE_TOO_LARGE',
} as const satisfies Record<string, ErrorCodeOf<'backend-client'>>;

/** Shown on the login form when the backend refused the saved session. */
export const SESSION_EXPIRED_TEXT = 'Session expired, log in again';
/** Shown on the login form for BACKEND_UNAUTHORIZED. */
export const WRONG_CREDENTIALS_TEXT = 'Wrong e-mail or password';
/** Shown on the register form for a 409 (the e-mail is taken). */
export const EMAIL_EXISTS_TEXT = 'An account with this e-mail exists';
/** Shown instead of the admin views to a user without the admin role (or on a 403 of the backend). */
export const NOT_ADMIN_TEXT = 'This account is not an administrator';

/** True when the failure means "no backend session any more": the login form must come back. */
export function endsSession(error: unknown): boolean {
  const { code } = errorDetails(error);
  return code === BACKEND_ERROR_CODES.notLoggedIn || code === BACKEND_ERROR_CODES.sessionExpired;
}

/** True for a 403 of the backend (the account lost its admin role since it logged in). */
export function isForbidden(error: unknown): boolean {
  const { code, status } = errorDetails(error);
  return code === BACKEND_ERROR_CODES.http && status === 403;
}

/** True for a 409 of the backend (a forbidden order transition, a user who still has orders, …). */
export function isConflict(error: unknown): boolean {
  const { code, status } = errorDetails(error);
  return code === BACKEND_ERROR_CODES.http && status === 409;
}

/** True when the backend itself is down or silent (not a refusal). */
export function isBackendDown(error: unknown): boolean {
  const { code } = errorDetails(error);
  return code === BACKEND_ERROR_CODES.unreachable || code === BACKEND_ERROR_CODES.timeout;
}

/** A failure told in the user's terms. */
export interface AdminErrorText {
  title: string;
  message: string;
  /** Suggest the Status page (the backend process may be down). */
  suggestStatusPage: boolean;
}

/**
 * Describes a failed admin call for display. `conflict` replaces the text of a 409 (each
 * view knows what a conflict means for its action).
 */
export function describeAdminError(error: unknown, options: { conflict?: string } = {}): AdminErrorText {
  const details = errorDetails(error);
  switch (details.code) {
    case BACKEND_ERROR_CODES.unreachable:
    case BACKEND_ERROR_CODES.timeout:
      return {
        title: details.code === BACKEND_ERROR_CODES.timeout ? 'The backend does not answer' : 'The backend is down',
        message: `${withoutFinalStop(details.message)}. Look at the Status page: the backend may be stopped, starting or crashed.`,
        suggestStatusPage: true,
      };
    case BACKEND_ERROR_CODES.http: {
      const status = details.status;
      const tag = [status, details.backendCode].filter((part) => part !== undefined).join(' ');
      let title = 'The backend refused the request';
      let message = details.message;
      if (status === 403) {
        title = NOT_ADMIN_TEXT;
      } else if (status === 404) {
        title = 'Not found';
        message = `${details.message} (it may have been deleted meanwhile)`;
      } else if (status === 409) {
        title = 'Not allowed now';
        message = options.conflict ?? details.message;
      } else if (status !== undefined && status >= 500) {
        title = 'The backend failed';
      }
      return {
        title: tag ? `${title} (${tag})` : title,
        message,
        suggestStatusPage: status !== undefined && status >= 500,
      };
    }
    case BACKEND_ERROR_CODES.invalidResponse:
      return {
        title: 'Unexpected answer from the backend',
        message: details.field ? `${details.message} (field “${details.field}”)` : details.message,
        suggestStatusPage: false,
      };
    case BACKEND_ERROR_CODES.tooLarge:
      return { title: 'The backend answer is too large', message: details.message, suggestStatusPage: false };
    case BACKEND_ERROR_CODES.wrongCredentials:
      return { title: WRONG_CREDENTIALS_TEXT, message: details.message, suggestStatusPage: false };
    case BACKEND_ERROR_CODES.sessionExpired:
      return { title: SESSION_EXPIRED_TEXT, message: details.message, suggestStatusPage: false };
    case BACKEND_ERROR_CODES.notLoggedIn:
      return { title: 'Not logged in', message: details.message, suggestStatusPage: false };
    case CLIENT_ERROR_CODES.network:
      return { title: 'Cannot reach the supervisor', message: details.message, suggestStatusPage: false };
    default:
      return { title: 'Something went wrong', message: details.message, suggestStatusPage: false };
  }
}

function withoutFinalStop(text: string): string {
  return text.replace(/[.\s]+$/, '');
}
