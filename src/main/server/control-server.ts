import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import type { EventName, EventPayload } from '../../shared/contract';
import type { CommandResult } from '../../shared/status';
import { SupervisorError } from '../core/errors';
import type { LogStore } from '../core/log-store';
import { dispatchRpc, httpStatusOf, type RpcHandlers } from '../core/rpc';
import type { Supervisor } from '../core/supervisor';
import { bearerToken, tokenMatches } from './token';

/** Largest request body accepted, bytes. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** An SSE client whose unsent output passes this many bytes is dropped (it reconnects). */
const SSE_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** Heartbeat comment interval on the event stream, ms (keeps proxies from idling it out). */
const SSE_HEARTBEAT_MS = 15_000;

/** What the control server serves. */
export interface ControlServerOptions {
  supervisor: Supervisor;
  logs: LogStore;
  handlers: RpcHandlers;
  metrics: Registry;
  /** The bearer token every route but `/healthz` and the dashboard files needs. */
  token: string;
  /** A second token that may only read: `GET /metrics`, `/api/v1/admin/backend/status` and `/health`. */
  readToken?: string;
  /** The built dashboard (out/renderer); served at `/` when it exists. */
  staticDir?: string;
}

/** Error codes for the body errors fastify raises before a route runs (bad JSON, size, type). */
const ERROR_CODE_BY_STATUS: Record<number, string> = {
  400: 'BAD_ARGUMENTS',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/** What the read-only token may GET. */
const READ_ONLY_ROUTES = new Set(['/metrics', '/api/v1/admin/backend/status', '/api/v1/admin/backend/health']);

/** Routes that answer without a token: the liveness route and the dashboard's own files. */
function isPublic(url: string): boolean {
  return url === '/healthz' || !(url.startsWith('/api/') || url.startsWith('/metrics'));
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

/** Answer in the seed's shape for a failed command (`{"success":false,"error":…}`). */
function commandFailure(reply: FastifyReply, err: unknown): FastifyReply {
  const code = err instanceof SupervisorError ? err.code : 'INTERNAL';
  const message = err instanceof Error ? err.message : String(err);
  return reply.code(httpStatusOf(code)).send({ success: false, error: message, code });
}

/**
 * Builds the control server (not yet listening): the seed's REST control API under
 * `/api/v1/admin/backend/`, `/metrics`, the dashboard's RPC (`POST /api/v1/rpc/<channel>`)
 * and event stream (`GET /api/v1/events`, server-sent events), and the dashboard files.
 * Every API route needs `Authorization: Bearer <token>` (never a query string); the Host
 * header must be a loopback name (421 otherwise) and a foreign `Origin` is refused (403).
 */
export function createControlServer(options: ControlServerOptions): FastifyInstance {
  const { supervisor, logs, handlers, metrics, token } = options;
  const app = Fastify({ logger: false, bodyLimit: MAX_BODY_BYTES, forceCloseConnections: true });
  let boundHost = '127.0.0.1';
  app.addHook('onListen', async () => {
    const addr = app.server.address() as AddressInfo | null;
    if (addr) boundHost = addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  });

  app.addHook('onRequest', async (request, reply) => {
    if (!hostAllowed(request.headers.host, boundHost)) {
      return reply.code(421).send({ error: 'misdirected request: Host is not this server', code: 'MISDIRECTED' });
    }
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== `http://${request.headers.host}`) {
      return reply.code(403).send({ error: 'cross-origin requests are refused', code: 'FORBIDDEN' });
    }
    if (isPublic(request.url)) return;
    if (request.url.includes('token=') || request.url.includes('access_token=')) {
      return reply
        .code(400)
        .send({ error: 'the token is accepted only in the Authorization header', code: 'BAD_REQUEST' });
    }
    const presented = bearerToken(request.headers.authorization);
    if (tokenMatches(token, presented)) return;
    if (options.readToken && tokenMatches(options.readToken, presented)) {
      if (request.method === 'GET' && READ_ONLY_ROUTES.has(request.url.split('?')[0] ?? '')) return;
      return reply.code(403).send({
        ok: false,
        success: false,
        error: { code: 'FORBIDDEN', message: 'the read-only token may only read /metrics and the status routes' },
      });
    }
    return reply
      .code(401)
      .header('www-authenticate', 'Bearer')
      .send({ ok: false, success: false, error: { code: 'UNAUTHORIZED', message: 'missing or wrong bearer token' } });
  });

  // Only JSON bodies; fastify answers 415 for any other content type on its own.
  app.removeContentTypeParser(['text/plain']);

  app.get('/healthz', async () => ({ status: 'ok' }));

  // ---- the seed's REST control API (seed 001)
  const command = (verb: 'start' | 'stop' | 'restart') => async (_req: FastifyRequest, reply: FastifyReply) => {
    let result: CommandResult;
    try {
      result = await supervisor[verb]('rest');
    } catch (err) {
      return commandFailure(reply, err);
    }
    if (!result.success) return reply.code(500).send({ ...result, error: result.message });
    return result;
  };
  app.post('/api/v1/admin/backend/start', command('start'));
  app.post('/api/v1/admin/backend/stop', command('stop'));
  app.post('/api/v1/admin/backend/restart', command('restart'));
  app.get('/api/v1/admin/backend/status', async () => supervisor.status());
  app.get('/api/v1/admin/backend/health', async () => {
    const s = supervisor.status();
    const c = supervisor.settings;
    return {
      orchestrator_enabled: c.orchestratorEnabled,
      backend_status: s.status,
      health_check_interval: c.healthCheckIntervalMs / 1000,
      auto_restart: c.autoRestart,
      max_restart_attempts: c.maxRestartAttempts,
      health_check_url: supervisor.healthUrl,
      last_health: s.last_health,
      health_check_success_rate: supervisor.healthSuccessRate,
    };
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', metrics.contentType);
    return metrics.metrics();
  });

  // ---- the dashboard's RPC, generated from the contract
  app.post<{ Params: { channel: string }; Body: unknown }>('/api/v1/rpc/:channel', async (request, reply) => {
    const body = request.body as { args?: unknown } | null | undefined;
    const args =
      body && typeof body === 'object' && 'args' in body
        ? body.args
        : body === undefined || body === null
          ? []
          : undefined;
    const envelope = await dispatchRpc(handlers, request.params.channel, args, 'user-ui');
    return reply.code(envelope.ok ? 200 : httpStatusOf(envelope.error.code)).send(envelope);
  });

  // ---- server-sent events: state changes and log lines
  app.get('/api/v1/events', (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(': connected\n\n');
    let id = 0;
    const send = <E extends EventName>(event: E, payload: EventPayload<E>): void => {
      if (res.writableLength > SSE_MAX_BUFFERED_BYTES) {
        // A reader this far behind is dropped; it reconnects and reloads the tail.
        res.destroy();
        return;
      }
      res.write(`id: ${++id}\nevent: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
    };
    const onState = (e: EventPayload<'backend:state'>): void => send('backend:state', e);
    const onLine = (l: EventPayload<'backend:log'>): void => send('backend:log', l);
    const onIncident = (i: EventPayload<'backend:incident'>): void => send('backend:incident', i);
    supervisor.on('state', onState);
    supervisor.on('incident', onIncident);
    logs.on('line', onLine);
    const heartbeat = setInterval(() => res.write(': ping\n\n'), SSE_HEARTBEAT_MS);
    const cleanup = (): void => {
      clearInterval(heartbeat);
      supervisor.off('state', onState);
      supervisor.off('incident', onIncident);
      logs.off('line', onLine);
    };
    request.raw.on('close', cleanup);
    res.on('close', cleanup);
  });

  // ---- the dashboard itself
  if (options.staticDir && existsSync(options.staticDir)) {
    // wildcard: files are looked up per request, so a rebuild needs no restart.
    void app.register(fastifyStatic, { root: options.staticDir, index: 'index.html' });
  } else {
    app.get('/', async (_req, reply) =>
      reply
        .type('text/plain; charset=utf-8')
        .send('The dashboard is not built. Run `npm run build`, then reload. The API is under /api/v1/.'),
    );
  }

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}`, code: 'NOT_FOUND' });
  });
  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    const code = ERROR_CODE_BY_STATUS[status] ?? 'INTERNAL';
    // RPC callers get the envelope they parse everywhere else; REST callers the seed's shape.
    if (request.url.startsWith('/api/v1/rpc/')) {
      return reply.code(status).send({ ok: false, error: { code, message: err.message } });
    }
    return reply.code(status).send({ success: false, error: err.message, code });
  });
  return app;
}
