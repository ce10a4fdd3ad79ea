import Fastify, { type FastifyInstance } from 'fastify';
import type { AppContext } from './context';
import { installErrorHandlers } from './errors';
import { registerAuthRoutes } from './routes/auth';
import { isHealthPath, registerHealthRoutes } from './routes/health';
import { registerIngredientRoutes } from './routes/ingredients';
import { registerOrderRoutes } from './routes/orders';
import { registerProductRoutes } from './routes/products';
import { registerStatsRoutes } from './routes/stats';
import { registerUserRoutes } from './routes/users';

/** Where the app writes its lines: `log` for stdout, `logError` for stderr. */
export interface AppLogger {
  log(line: string): void;
  logError(line: string): void;
}

/** Largest accepted request body, bytes. The API only takes small JSON objects. */
export const BODY_LIMIT = 256 * 1024;

/**
 * Replaces Fastify's JSON parser with one that takes an empty body as no body (`undefined`),
 * as Go servers and most clients do: a `DELETE`, or a `POST` without a body, that says
 * `Content-Type: application/json` reaches its route (and its token check) instead of a
 * 400. Anything else is parsed as before: malformed JSON is 400, and `__proto__` or
 * `constructor.prototype` keys are refused (Fastify's defaults).
 */
function acceptEmptyJsonBodies(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body: string, done) => {
    if (body.length === 0) return done(null, undefined);
    return parseJson(request, body, done);
  });
}

/**
 * Builds the Fastify instance with every route, not yet listening. Usable in-process
 * with `app.inject(...)` or `app.listen({port: 0})`. One line per request goes to
 * `logger.log`: `GET /products 200 1.4ms`; health probes (GET or HEAD of `/health`, `/health/…`) get none.
 */
export function buildApp(ctx: AppContext, logger: AppLogger): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT,
    // On close, drop keep-alive and in-flight sockets too: a stop must not wait for clients.
    forceCloseConnections: true,
    // Keep the default (off) but be explicit: the supervisor runs us on loopback, no proxy.
    trustProxy: false,
  });

  acceptEmptyJsonBodies(app);

  app.addHook('onResponse', async (request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    // A supervisor probes every few seconds; a line per probe would bury the requests.
    // Probes GET (or HEAD); a POST to /health is no probe and is logged.
    if ((request.method === 'GET' || request.method === 'HEAD') && isHealthPath(path)) return;
    logger.log(`${request.method} ${path.slice(0, 200)} ${reply.statusCode} ${reply.elapsedTime.toFixed(1)}ms`);
  });

  installErrorHandlers(app, logger.logError);
  registerHealthRoutes(app, ctx);
  registerProductRoutes(app, ctx);
  registerAuthRoutes(app, ctx);
  registerUserRoutes(app, ctx);
  registerOrderRoutes(app, ctx);
  registerStatsRoutes(app, ctx);
  registerIngredientRoutes(app, ctx);
  return app;
}
