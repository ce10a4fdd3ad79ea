import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { CONTENT_SECURITY_POLICY_HEADER } from '../../shared/csp';
import type { ErrorCode } from '../../shared/error-codes';

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

/**
 * Answers a request the HTTP parser refused before fastify saw it (fastify's
 * `clientErrorHandler`): 408 when the headers or the request did not arrive in time, 431 for
 * headers over 16 KiB, else 400; with {@link SECURITY_HEADERS}, written on the raw socket,
 * which is then closed. Nothing is written when the client is gone or an answer has begun.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const started = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
  if (socket.writable && !started) {
    const body = JSON.stringify({ success: false, error: STATUS_CODES[status], code: CLIENT_ERROR_CODES[status] });
    const headers = Object.entries({
      ...SECURITY_HEADERS,
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      connection: 'close',
    })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${headers}\r\n${body}`);
  }
  socket.destroy(err);
}

/** The `code` of each answer {@link answerClientError} writes. */
const CLIENT_ERROR_CODES: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  408: 'REQUEST_TIMEOUT',
  431: 'HEADERS_TOO_LARGE',
};
