import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode } from '../../shared/error-codes';
import { bearerToken, tokenMatches } from './token';

/**
 * Who may call a route, declared by each route in its fastify `config` (`{ config: { access } }`):
 * - `public`: anyone (only `GET /healthz`, `GET /api/v1/token-file` and the dashboard's own files);
 * - `read`: the control token, or the read-only token with GET/HEAD (metrics, status);
 * - `control`: the control token only.
 * A route that declares nothing, and the not-found handler, count as `control`: deny by default.
 */
export type RouteAccess = 'public' | 'read' | 'control';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call this route; absent means `control`. */
    access?: RouteAccess;
  }
}

/** The `config` of a route anyone may call. */
export const PUBLIC = { config: { access: 'public' } } as const;
/** The `config` of a route the read-only token may GET. */
export const READ = { config: { access: 'read' } } as const;
/** The `config` of a route only the control token may call. */
export const CONTROL = { config: { access: 'control' } } as const;

/** What the access guard checks requests against. */
export interface AccessOptions {
  /** The control token (may do everything). */
  token: string;
  /** The read-only token (may GET `read` routes), if any. */
  readToken?: string;
  /** The address the server listens on, as a URL host (`127.0.0.1`, `[::1]`): a Host it accepts. */
  boundHost: () => string;
  /** Called for each request that presented a valid token (either one). */
  onToken?: (request: FastifyRequest) => void;
}

/**
 * The access of the route the router MATCHED for this request (fastify routes a request
 * before `onRequest`, on the decoded path), so whatever spelling of a path reaches a handler
 * is checked as that handler's route: `/%61pi/…` is the `/api/…` route, not a public path.
 */
export function accessOf(request: FastifyRequest): RouteAccess {
  const access = (request.routeOptions.config as { access?: unknown } | undefined)?.access;
  return access === 'public' || access === 'read' ? access : 'control';
}

/** Loopback host names a browser may use to reach us (DNS-rebinding guard). */
function hostAllowed(hostHeader: string | undefined, boundHost: string): boolean {
  if (!hostHeader) return false;
  let name: string;
  try {
    name = new URL(`http://${hostHeader}`).hostname;
  } catch {
    return false;
  }
  return ['127.0.0.1', 'localhost', '[::1]', boundHost].includes(name);
}

/** True when the URL carries something that looks like a token (`token=`, `access_token=`, encoded or not). */
function tokenInUrl(url: string): boolean {
  if (/token=/i.test(url)) return true;
  const query = url.indexOf('?');
  if (query < 0) return false;
  for (const key of new URLSearchParams(url.slice(query + 1)).keys()) if (/token$/i.test(key)) return true;
  return false;
}

function refuse(reply: FastifyReply, status: number, code: ErrorCode, message: string): FastifyReply {
  return reply.code(status).send({ ok: false, success: false, error: { code, message } });
}

/**
 * Checks every request before any handler runs (an `onRequest` hook on `app`): a loopback
 * Host (421 otherwise), no foreign `Origin` (403), then the matched route's access: no token
 * in the URL (400), the control token, or the read-only token on a `read` route with GET/HEAD
 * (403 on anything else), else 401.
 */
export function addAccessGuard(app: FastifyInstance, options: AccessOptions): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!hostAllowed(request.headers.host, options.boundHost())) {
      return reply.code(421).send({ error: 'misdirected request: Host is not this server', code: 'MISDIRECTED' });
    }
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== `http://${request.headers.host}`) {
      return reply.code(403).send({ error: 'cross-origin requests are refused', code: 'FORBIDDEN' });
    }
    const access = accessOf(request);
    if (access === 'public') return;
    if (tokenInUrl(request.url)) {
      return refuse(reply, 400, 'BAD_REQUEST', 'the token is accepted only in the Authorization header');
    }
    const presented = bearerToken(request.headers.authorization);
    if (tokenMatches(options.token, presented)) {
      options.onToken?.(request);
      return;
    }
    if (options.readToken && tokenMatches(options.readToken, presented)) {
      options.onToken?.(request);
      if (access === 'read' && (request.method === 'GET' || request.method === 'HEAD')) return;
      return refuse(reply, 403, 'FORBIDDEN', 'the read-only token may only read /metrics and the status routes');
    }
    void reply.header('www-authenticate', 'Bearer');
    return refuse(reply, 401, 'UNAUTHORIZED', 'missing or wrong bearer token');
  });
}

/**
 * True when a connection's peer address (`socket.remoteAddress`) is on this machine:
 * 127.0.0.0/8, ::1, or either as an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`).
 * An unknown address (a socket already closed) is not.
 */
export function isLoopbackPeer(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}
