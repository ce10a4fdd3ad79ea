import type { Db } from './db';
import { ApiError } from './errors';
import type { TokenService } from './tokens';

/**
 * What route handlers share. Passed explicitly to each `register*Routes` function
 * (no Fastify decorators), so a route file shows everything it depends on.
 */
export interface AppContext {
  /** Reported in `/health` as `version`. */
  version: string;
  /** `SUPERVISOR_INSTANCE_ID`, echoed in `/health` as `instance_id` when set. */
  instanceId: string | undefined;
  /** `performance.now()` when the backend started, ms; `uptime_secs` counts from here. */
  startedAt: number;
  /** Signs and checks the JWTs (secret from JWT_SECRET or the data folder). */
  tokens: TokenService;
  /**
   * The database once it is open AND migrated; undefined before. The server listens
   * before the database is ready (first start takes seconds), so routes must cope.
   */
  db(): Db | undefined;
}

/**
 * The ready database.
 * @throws ApiError 503 UNAVAILABLE while the database is still opening or migrating.
 */
export function requireDb(ctx: AppContext): Db {
  const db = ctx.db();
  if (!db) throw new ApiError(503, 'UNAVAILABLE', 'database is starting, retry shortly');
  return db;
}
