import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context';
import { errorBody } from '../errors';

/** Longest a health query may take before the database counts as failing, ms. */
export const HEALTH_QUERY_TIMEOUT_MS = 2000;

/** State of one dependency: `ok`, still `starting`, or `error` (query failed or timed out). */
export type CheckState = 'ok' | 'starting' | 'error';

async function checkDatabase(ctx: AppContext): Promise<{ state: CheckState; detail?: string }> {
  const db = ctx.db();
  if (!db) return { state: 'starting', detail: 'database is starting' };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      db.query('select 1'),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${HEALTH_QUERY_TIMEOUT_MS} ms`)),
          HEALTH_QUERY_TIMEOUT_MS,
        );
      }),
    ]);
    return { state: 'ok' };
  } catch (err) {
    return { state: 'error', detail: `database check failed: ${(err as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The paths health probes use: `/health` and plain names under it (a probe of a path we do
 * not serve, e.g. `/health/startup`, is a probe too). A dot segment or a percent sign is not
 * a probe's (`/health/../admin`, `/health/%2e%2e/…`): such a request is logged like any other.
 */
const HEALTH_PATH = /^\/health(?:\/[A-Za-z0-9_-]+)*\/?$/;

/**
 * True for the paths health probes use (see HEALTH_PATH), the query already cut off.
 * Those requests get no access-log line: a supervisor sends one every interval.
 */
export function isHealthPath(path: string): boolean {
  return HEALTH_PATH.test(path);
}

/**
 * `GET /health`, `/health/live`, `/health/ready` (backend-contract.md, "Health").
 * A 503 body carries both the health shape (`status`, `checks`) and the contract's error
 * fields (`error`, `code`, `timestamp`), so clients reading either convention understand it.
 */
export function registerHealthRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/health', async (_request, reply) => {
    const database = await checkDatabase(ctx);
    const ok = database.state === 'ok';
    const body = {
      status: ok ? 'ok' : 'degraded',
      version: ctx.version,
      uptime_secs: Math.floor((performance.now() - ctx.startedAt) / 1000),
      checks: { database: database.state },
      ...(ctx.instanceId !== undefined ? { instance_id: ctx.instanceId } : {}),
      ...(ok ? {} : errorBody('UNAVAILABLE', database.detail ?? 'degraded')),
    };
    return reply
      .code(ok ? 200 : 503)
      .header('cache-control', 'no-store')
      .send(body);
  });

  // Liveness: answering at all is the whole test; never touches the database.
  app.get('/health/live', async (_request, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));

  // Readiness: `ctx.db()` is only set after migrations, so "defined and answering" is ready.
  app.get('/health/ready', async (_request, reply) => {
    const database = await checkDatabase(ctx);
    const ok = database.state === 'ok';
    const body = {
      status: ok ? 'ok' : 'not_ready',
      checks: { database: database.state },
      ...(ok ? {} : errorBody('UNAVAILABLE', database.detail ?? 'not ready')),
    };
    return reply
      .code(ok ? 200 : 503)
      .header('cache-control', 'no-store')
      .send(body);
  });
}
