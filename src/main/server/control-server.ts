import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import type { ErrorCode } from '../../shared/error-codes';
import type { CommandResult } from '../../shared/status';
import { SupervisorError } from '../core/errors';
import { dispatchRpc, httpStatusOf, type RpcHandlers } from '../core/rpc';
import type { Stack, StackCommandResult } from '../core/stack/stack';
import { connectionOptions, guardConnections, type ConnectionLimits } from './connection-limits';
import { registerDashboard } from './dashboard-files';
import { EventHub, openEventStream, type EventStreamLimits } from './event-stream';
import { AnswerGate } from './answer-gate';
import { addAccessGuard, isLoopbackPeer, CONTROL, PUBLIC, READ } from './route-access';
import { addSecurityHeaders, answerClientError, SECURITY_HEADERS } from './security-headers';
import { TOKEN_FILE } from './token';

/** Largest request body accepted, bytes. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** `logs:tail` answers built or being sent at once over HTTP; more wait their turn. */
export const LOG_ANSWERS_IN_FLIGHT = 2;

/** What the control server serves. */
export interface ControlServerOptions {
  /** The services: the seed's routes act on its primary one, `/api/v1/services/…` on each. */
  stack: Stack;
  handlers: RpcHandlers;
  metrics: Registry;
  /** The bearer token every route but `/healthz` and the dashboard files needs. */
  token: string;
  /** A second token that may only read: `GET /metrics`, `/api/v1/admin/backend/status`, `/health` and `/api/v1/services[/<name>]`. */
  readToken?: string;
  /** The built dashboard (out/renderer); served at `/` when it exists. */
  staticDir?: string;
  /** Connection cap and timeouts (production defaults in connection-limits.ts). */
  connections?: ConnectionLimits;
  /** Event stream limits (production defaults in event-stream.ts). */
  eventStreams?: EventStreamLimits;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The open event streams (their count and unsent bytes). */
    eventHub: EventHub;
  }
}

/** Error codes for the errors fastify and the dashboard files raise before or instead of a handler (bad JSON, size, type, URL, a refused file). */
const ERROR_CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'BAD_ARGUMENTS',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  408: 'REQUEST_TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  416: 'RANGE_NOT_SATISFIABLE',
};

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
 * Every route declares who may call it (route-access.ts; undeclared and unknown routes need
 * the control token): `Authorization: Bearer <token>` (never a query string); the Host
 * header must be a loopback name (421 otherwise) and a foreign `Origin` is refused (403).
 * Connections are capped and timed out (connection-limits.ts); every answer carries the
 * security headers (security-headers.ts).
 */
export function createControlServer(options: ControlServerOptions): FastifyInstance {
  const { stack, handlers, metrics } = options;
  const supervisor = stack.primary;
  const app = Fastify({
    logger: false,
    bodyLimit: MAX_BODY_BYTES,
    forceCloseConnections: true,
    ...connectionOptions(options.connections),
    // Answers made before routing (a URL that does not decode, a parameter over 100
    // characters) and by the HTTP parser skip the hooks: they get the security headers here.
    frameworkErrors: (err, _request, reply) => {
      const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 400;
      void (reply as FastifyReply)
        .headers(SECURITY_HEADERS)
        .code(status)
        .send({ success: false, error: err.message, code: ERROR_CODE_BY_STATUS[status] ?? 'BAD_ARGUMENTS' });
    },
    clientErrorHandler: answerClientError,
  });
  const connections = guardConnections(app.server, options.connections);
  let boundHost = '127.0.0.1';
  app.addHook('onListen', async () => {
    const addr = app.server.address() as AddressInfo | null;
    if (addr) boundHost = addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  });
  addAccessGuard(app, {
    token: options.token,
    readToken: options.readToken,
    boundHost: () => boundHost,
    onToken: (request) => connections.trust(request.raw.socket),
  });
  addSecurityHeaders(app);

  // Only JSON bodies; fastify answers 415 for any other content type on its own.
  app.removeContentTypeParser(['text/plain']);

  app.get('/healthz', PUBLIC, async () => ({ status: 'ok' }));
  // The browser dashboard's token dialog says where the token is: the path only, never the
  // token (the file is 0600). null when it comes from CONTROL_TOKEN (as in loadOrCreateToken).
  // Only to a peer on this machine: one that could read the file at all (CONTROL_ALLOW_REMOTE
  // would otherwise show the data folder's path to the network).
  app.get('/api/v1/token-file', PUBLIC, async (request, reply) => {
    if (!isLoopbackPeer(request.raw.socket.remoteAddress)) {
      return reply.code(403).send({
        ok: false,
        success: false,
        error: { code: 'FORBIDDEN', message: 'the token file is named only to clients on this machine' },
      });
    }
    const { controlToken, dataDir } = supervisor.settings;
    return { path: controlToken ? null : join(dataDir, TOKEN_FILE) };
  });

  // ---- the seed's REST control API (seed 001)
  // They act on the primary service through the stack: a start starts what it depends on first.
  const command =
    (verb: 'start' | 'stop' | 'restart', name: (req: FastifyRequest) => string = () => stack.primaryName) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      let result: CommandResult;
      try {
        result = await stack.command(name(req), verb, 'rest');
      } catch (err) {
        return commandFailure(reply, err);
      }
      if (!result.success) return reply.code(500).send({ ...result, error: result.message });
      return result;
    };
  app.post('/api/v1/admin/backend/start', CONTROL, command('start'));
  app.post('/api/v1/admin/backend/stop', CONTROL, command('stop'));
  app.post('/api/v1/admin/backend/restart', CONTROL, command('restart'));
  app.get('/api/v1/admin/backend/status', READ, async () => supervisor.status());
  app.get('/api/v1/admin/backend/health', READ, async () => {
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
  // ---- the stack: every service, and each by name (README "Several services")
  const serviceName = (req: FastifyRequest): string => (req.params as { name: string }).name;
  app.get('/api/v1/services', READ, async () => stack.list());
  app.get<{ Params: { name: string } }>('/api/v1/services/:name', READ, async (req, reply) => {
    try {
      return stack.serviceStatus(req.params.name);
    } catch (err) {
      return commandFailure(reply, err);
    }
  });
  for (const verb of ['start', 'stop', 'restart'] as const) {
    app.post(`/api/v1/services/:name/${verb}`, CONTROL, command(verb, serviceName));
    app.post(`/api/v1/stack/${verb}`, CONTROL, async (_req, reply) => {
      let result: StackCommandResult;
      try {
        result = await stack[verb]('rest');
      } catch (err) {
        return commandFailure(reply, err);
      }
      if (!result.success) return reply.code(500).send({ ...result, error: result.message });
      return result;
    });
  }
  // ---- a reload of the settings and the stack file, in place (README "Reloading the settings")
  // `?dryRun=1` (or a body `{"dryRun": true}`) answers the plan and changes nothing. One at a
  // time: another while one runs answers 409 RELOAD_IN_PROGRESS.
  app.post<{ Querystring: { dryRun?: string; expect?: string } }>(
    '/api/v1/config/reload',
    CONTROL,
    async (request, reply) => {
      const body = request.body as { dryRun?: unknown; expect?: unknown } | null | undefined;
      const fromBody = body && typeof body === 'object' ? body : {};
      const query = request.query.dryRun;
      // Anything but 1/true/0/false fails the channel's schema (400): a typo must not apply the reload.
      const fromQuery = query === '1' || query === 'true' ? true : query === '0' || query === 'false' ? false : query;
      const dryRun = query !== undefined ? fromQuery : fromBody.dryRun;
      // A dry run's fingerprint: the files changed since are refused (RELOAD_PLAN_CHANGED); the schema checks its type.
      const expect = request.query.expect ?? fromBody.expect;
      const options = expect === undefined ? { dryRun } : { dryRun, expect };
      const envelope = await dispatchRpc(handlers, 'config:reload', [options], 'rest');
      if (envelope.ok) return envelope.data;
      const { code, message, field } = envelope.error;
      // A file that does not validate: its problems a line each (`file:line: field: problem`), as the
      // message has them, and the settings field it is about when there is one (as the RPC channel says it).
      return reply.code(httpStatusOf(code)).send({
        success: false,
        error: message,
        code,
        problems: message.split('\n'),
        ...(field !== undefined ? { field } : {}),
      });
    },
  );
  app.get('/metrics', READ, async (_req, reply) => {
    reply.header('content-type', metrics.contentType);
    return metrics.metrics();
  });

  // ---- the dashboard's RPC, generated from the contract
  // Log pages (up to 32 Mi characters each) a few at a time: see answer-gate.ts.
  const logAnswers = new AnswerGate(LOG_ANSWERS_IN_FLIGHT);
  app.post<{ Params: { channel: string }; Body: unknown }>('/api/v1/rpc/:channel', CONTROL, async (request, reply) => {
    if (request.params.channel === 'logs:tail' && !(await logAnswers.hold(reply.raw))) {
      // The client left while it waited: nobody reads this.
      return reply.code(408).send({ ok: false, error: { code: 'REQUEST_TIMEOUT', message: 'the client went away' } });
    }
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

  // ---- server-sent events: state changes, incidents and log lines
  const hub = new EventHub(stack, options.eventStreams);
  app.decorate('eventHub', hub);
  app.addHook('preClose', async () => hub.closeAll());
  app.get('/api/v1/events', CONTROL, (_request, reply) => openEventStream(hub, reply, SECURITY_HEADERS));

  // ---- the dashboard itself
  registerDashboard(app, options.staticDir);

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}`, code: 'NOT_FOUND' });
  });
  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    const code = ERROR_CODE_BY_STATUS[status] ?? 'INTERNAL';
    // RPC callers get the envelope they parse everywhere else; REST callers the seed's shape.
    // By the matched route, so `/%61pi/v1/rpc/…` is answered as the RPC route it is.
    if (request.routeOptions.url === '/api/v1/rpc/:channel') {
      return reply.code(status).send({ ok: false, error: { code, message: err.message } });
    }
    return reply.code(status).send({ success: false, error: err.message, code });
  });
  return app;
}
