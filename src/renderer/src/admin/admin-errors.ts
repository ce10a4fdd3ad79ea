import type { ErrorCodeOf } from '../../../shared/error-codes';
import { CLIENT_ERROR_CODES, errorDetails } from '../api';
import { translate, type T } from '../i18n';

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

// Translation keys of the texts the admin views share.
/** Shown on the login form when the backend refused the saved session. */
export const SESSION_EXPIRED_KEY = 'admin.sessionExpired';
/** Shown on the login form for BACKEND_UNAUTHORIZED. */
export const WRONG_CREDENTIALS_KEY = 'admin.wrongCredentials';
/** Shown on the register form for a 409 (the e-mail is taken). */
export const EMAIL_EXISTS_KEY = 'admin.emailExists';
/** Shown instead of the admin views to a user without the admin role (or on a 403 of the backend). */
export const NOT_ADMIN_KEY = 'admin.notAdmin';

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
 * Describes a failed admin call for display, in the language of `t` (the dashboard's current
 * one by default). `conflict` replaces the text of a 409 (each view knows what a conflict means
 * for its action). The backend's and the supervisor's own messages stay as they come.
 */
export function describeAdminError(
  error: unknown,
  options: { conflict?: string } = {},
  t: T = translate,
): AdminErrorText {
  const details = errorDetails(error);
  switch (details.code) {
    case BACKEND_ERROR_CODES.unreachable:
    case BACKEND_ERROR_CODES.timeout:
      return {
        title: t(details.code === BACKEND_ERROR_CODES.timeout ? 'admin.error.noAnswer' : 'admin.error.down'),
        message: t('admin.error.downMessage', { message: withoutFinalStop(details.message) }),
        suggestStatusPage: true,
      };
    case BACKEND_ERROR_CODES.http: {
      const status = details.status;
      const tag = [status, details.backendCode].filter((part) => part !== undefined).join(' ');
      let title = t('admin.error.refused');
      let message = details.message;
      if (status === 403) {
        title = t(NOT_ADMIN_KEY);
      } else if (status === 404) {
        title = t('admin.error.notFound');
        message = t('admin.error.notFoundMessage', { message: details.message });
      } else if (status === 409) {
        title = t('admin.error.notAllowed');
        message = options.conflict ?? details.message;
      } else if (status !== undefined && status >= 500) {
        title = t('admin.error.failed');
      }
      return {
        title: tag ? t('admin.error.tagged', { title, tag }) : title,
        message,
        suggestStatusPage: status !== undefined && status >= 500,
      };
    }
    case BACKEND_ERROR_CODES.invalidResponse:
      return {
        title: t('admin.error.invalid'),
        message: details.field
          ? t('admin.error.invalidField', { message: details.message, field: details.field })
          : details.message,
        suggestStatusPage: false,
      };
    case BACKEND_ERROR_CODES.tooLarge:
      return { title: t('admin.error.tooLarge'), message: details.message, suggestStatusPage: false };
    case BACKEND_ERROR_CODES.wrongCredentials:
      return { title: t(WRONG_CREDENTIALS_KEY), message: details.message, suggestStatusPage: false };
    case BACKEND_ERROR_CODES.sessionExpired:
      return { title: t(SESSION_EXPIRED_KEY), message: details.message, suggestStatusPage: false };
    case BACKEND_ERROR_CODES.notLoggedIn:
      return { title: t('admin.error.notLoggedIn'), message: details.message, suggestStatusPage: false };
    case CLIENT_ERROR_CODES.network:
      return { title: t('admin.error.network'), message: details.message, suggestStatusPage: false };
    default:
      return { title: t('admin.error.other'), message: details.message, suggestStatusPage: false };
  }
}

function withoutFinalStop(text: string): string {
  return text.replace(/[.\s]+$/, '');
}
