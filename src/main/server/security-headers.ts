import type { FastifyInstance } from 'fastify';
import { CONTENT_SECURITY_POLICY_HEADER } from '../../shared/csp';

/**
 * Headers on every response of the control server (dashboard files, the not-built page, API
 * answers, errors and 404s): the dashboard's CSP with `frame-ancestors 'none'` and
 * `X-Frame-Options: DENY` (older browsers) so no other site can frame the page that holds the
 * token, `nosniff` so a file is never run as another type, and no `Referer` leaving the page.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY_HEADER,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * Adds {@link SECURITY_HEADERS} to every reply of `app` (an `onSend` hook: it runs for routes,
 * the not-found handler, the error handler and replies sent from an `onRequest` hook).
 * Hijacked replies (the event stream) write their own headers and spread SECURITY_HEADERS in.
 */
export function addSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    void reply.headers(SECURITY_HEADERS);
    return payload;
  });
}
