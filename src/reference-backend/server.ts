import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { version as packageVersion } from '../../package.json';
import { buildApp, type AppLogger } from './app';
import { redactDatabaseUrl, type BackendConfig } from './config';
import type { AppContext } from './context';
import { migrate, openPostgres, type Db } from './db';
import { keepGeneratedPasswords, seedLines } from './credentials';
import { seedIfEmpty } from './seed';
import { TokenService, loadJwtSecret } from './tokens';

/** Version reported by `/health`: the app's own version (the backend ships with it). */
export const VERSION: string = packageVersion;

/** Exit code when the port is taken; mirrors Linux errno EADDRINUSE so the supervisor can tell. */
export const EXIT_ADDRESS_IN_USE = 98;

/** Listening failed. `message` is one line for stderr; `exitCode` is what the process should end with. */
export class ListenError extends Error {
  constructor(
    message: string,
    /** Node's error code, e.g. `EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL`. */
    readonly code: string | undefined,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'ListenError';
  }
}

/** A started backend. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:3000` (the real port when 0 was asked for). */
  url: string;
  /** The bound TCP port. */
  port: number;
  /** The Fastify instance (for `inject` in tests). */
  app: FastifyInstance;
  /**
   * Resolves once the database is open, migrated and seeded (routes answer from then on);
   * rejects with the database error when that fails. Also resolves when `close()` came first.
   */
  ready: Promise<void>;
  /**
   * Stops listening (dropping keep-alive and in-flight connections), lets a database
   * start in progress settle, then closes the database. Idempotent.
   */
  close(): Promise<void>;
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function toListenError(err: unknown, config: BackendConfig): ListenError {
  const code = (err as NodeJS.ErrnoException).code;
  const where = `${config.host}:${config.port}`;
  switch (code) {
    case 'EADDRINUSE':
      return new ListenError(`port ${config.port} is already in use`, code, EXIT_ADDRESS_IN_USE);
    case 'EACCES':
      return new ListenError(`permission denied to listen on ${where}`, code, 1);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new ListenError(`cannot listen on ${where}: address not available on this machine`, code, 1);
    default:
      return new ListenError(`cannot listen on ${where}: ${(err as Error).message}`, code, 1);
  }
}

/**
 * Starts the backend: loads or creates the JWT secret, listens, then connects to the
 * PostgreSQL of `databaseUrl`, migrates and seeds the database in the background (see
 * `ready`). Listening comes first so that a taken port fails in milliseconds without
 * touching the database, and so that `/health/live` answers while the database is not
 * reachable yet (`/health` and `/health/ready` say 503 until then).
 * Prints `listening on <url>`, and on seeding which accounts were created; generated
 * passwords go only to the 0600 file `initial-credentials` in `dataDir`, whose path is
 * printed (the output ends up in log files and on the supervisor's Logs page).
 * @throws ListenError when the port cannot be bound; errors reading the data folder.
 */
export async function startServer(config: BackendConfig, logger: AppLogger): Promise<RunningServer> {
  const startedAt = performance.now();
  const secret = await loadJwtSecret(config.dataDir, config.jwtSecret);
  let db: Db | undefined;
  const ctx: AppContext = {
    version: VERSION,
    instanceId: config.instanceId,
    startedAt,
    tokens: new TokenService(secret),
    db: () => db,
  };
  const app = buildApp(ctx, logger);
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await app.close().catch(() => undefined);
    throw toListenError(err, config);
  }
  const port = (app.server.address() as AddressInfo).port;
  const url = `http://${urlHost(config.host)}:${port}`;
  logger.log(`listening on ${url}`);

  let closing = false;
  let opened: Db | undefined;
  let credentialsFile: string | undefined;
  const ready = (async () => {
    const t0 = performance.now();
    opened = await openPostgres(config.databaseUrl, logger.logError);
    // A stop that arrived during the open must not be followed by migrations.
    if (closing) return;
    const applied = await migrate(opened);
    if (closing) return;
    const seed = await seedIfEmpty(opened, {
      adminEmail: config.adminEmail,
      adminPassword: config.adminPassword,
      demoUserPassword: config.demoUserPassword,
      beforeCommit: async (result) => {
        credentialsFile = await keepGeneratedPasswords(config.dataDir, result);
      },
    });
    for (const line of seedLines(seed, credentialsFile)) logger.log(line);
    db = opened;
    logger.log(
      `database ready in ${Math.round(performance.now() - t0)} ms (PostgreSQL ${redactDatabaseUrl(config.databaseUrl)})` +
        (applied.length > 0 ? ` (applied migrations ${applied.join(', ')})` : ''),
    );
  })();
  // Marks the rejection as handled here; callers still see it when they await `ready`.
  void ready.catch(() => undefined);

  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      closing = true;
      await app.close();
      await ready.catch(() => undefined);
      db = undefined;
      await opened?.close();
    })());

  return { url, port, app, ready, close };
}
