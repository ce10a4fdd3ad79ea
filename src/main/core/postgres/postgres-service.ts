import { isAbsolute, join, resolve } from 'node:path';
import type { SupervisorConfig } from '../../../shared/config';
import { ConfigError } from '../errors';
import type { ServiceDefinition } from '../stack/service-definition';
import { assertDatabaseNames, bootstrapDatabases, connectionUrl, type BootstrapResult } from './bootstrap';
import { clusterLayout, prepareCluster, SUPERUSER, type ClusterLayout, type PrepareOutcome } from './cluster';
import { assertVersionOption, binariesBeside, findEmbeddedBinaries, type PostgresBinaries } from './embedded-binaries';
import { DEFAULT_POSTGRES_USER, isRoot, resolveRunAs, type RunAs } from './run-as';
import { generatePassword, readSecretFile, writeSecretFile } from './secret-file';

/** The port of a service that names none: PostgreSQL's own. */
export const DEFAULT_POSTGRES_PORT = 5432;

/** The database made when the service names none. */
export const DEFAULT_DATABASE = 'app';

/** The application's role, owner of the databases. */
export const APP_ROLE = 'app';

/** The options of a `postgres` service, in the stack file's terms. */
export interface PostgresServiceOptions {
  /** TCP port on 127.0.0.1, 1–65535 (default {@link DEFAULT_POSTGRES_PORT}). */
  port?: number;
  /** The PostgreSQL the binaries must be: a major (`17`) or major.minor (`17.10`). */
  version?: string;
  /** The service's folder (cluster and password files); relative to the supervisor's data folder (default `<dataDir>/<name>`). */
  data_dir?: string;
  /** The databases the application role owns (default `[app]`); the first is `DATABASE_URL`'s. */
  databases?: string[];
  /** Who PostgreSQL runs as when the supervisor is root (default `backend-supervisor`, made when absent); ignored otherwise. */
  user?: string;
  /** A `postgres` executable to run instead of the packaged one (initdb beside it). */
  command?: string;
}

/**
 * `-k`'s value for one folder: PostgreSQL reads it as a comma-separated list, so a folder
 * with a comma in it (`/srv/shop,eu/…`) goes in double quotes, a quote in it doubled.
 */
function socketDirectories(dir: string): string {
  return dir.includes(',') ? `"${dir.replaceAll('"', '""')}"` : dir;
}

/** A `postgres` service: its definition for the stack, and the steps around its start. */
export interface PostgresService {
  /** The service as its supervisor runs it. */
  definition: ServiceDefinition;
  /** Where its files are. */
  layout: ClusterLayout;
  /** The binaries it runs. */
  binaries: PostgresBinaries;
  /** Before a start: makes the user (root), the folders, the password files and the cluster (initdb once); later calls only check. */
  prepare(): Promise<PrepareOutcome>;
  /** Once the server answers: the application role and databases (idempotent). */
  afterHealthy(): Promise<BootstrapResult>;
  /**
   * The variables its dependents get: `DATABASE_URL` (the first database), and with more
   * than one database `DATABASE_URL_<NAME>` for each (`DATABASE_URL_ANALYTICS`).
   */
  dependentEnv(): Record<string, string>;
}

/** Dependencies of {@link postgresServiceDefinition} a test replaces. */
export interface PostgresServiceDeps {
  platform?: NodeJS.Platform;
  /** Whether the supervisor is root (default: process.getuid() === 0). */
  root?: boolean;
}

/**
 * Builds a `postgres` service over the supervisor's settings `base`: it runs
 * `<bin>/postgres -D <dir>/postgres -p <port> -k <socket dir> -c listen_addresses=127.0.0.1`,
 * healthy when the superuser's `SELECT 1` succeeds, stopped by SIGINT (PostgreSQL's fast
 * shutdown: it ends the sessions and checkpoints), restarted always. As root it runs as
 * `user` (default `backend-supervisor`). Reads the password files when they exist; a new
 * password is kept in memory until `prepare()` writes it, so building a definition writes
 * nothing (the settings editor may build one to check a file).
 * @throws ConfigError on a bad option, missing binaries or a password file that is not private.
 */
export function postgresServiceDefinition(
  name: string,
  options: PostgresServiceOptions,
  base: SupervisorConfig,
  deps: PostgresServiceDeps = {},
): PostgresService {
  const platform = deps.platform ?? process.platform;
  const root = deps.root ?? isRoot();
  const port = options.port ?? DEFAULT_POSTGRES_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new ConfigError(`port: ${port} is not a TCP port (1 to 65535)`);
  }
  if (options.version !== undefined) assertVersionOption(options.version);
  const databases = options.databases ?? [DEFAULT_DATABASE];
  assertDatabaseNames(databases);
  const dir =
    options.data_dir === undefined
      ? join(base.dataDir, name)
      : isAbsolute(options.data_dir)
        ? options.data_dir
        : resolve(base.dataDir, options.data_dir);
  const layout = clusterLayout(dir, port, platform);
  const binaries =
    options.command !== undefined
      ? binariesBeside(options.command, platform)
      : findEmbeddedBinaries({ platform, ...(options.version !== undefined ? { version: options.version } : {}) });
  const superuserPassword = readSecretFile(layout.superuserPasswordFile, platform) ?? generatePassword();
  let appPassword = readSecretFile(layout.appPasswordFile, platform) ?? generatePassword();
  let runAs: RunAs | null = null;

  const superuserUrl = connectionUrl({ user: SUPERUSER, password: superuserPassword, port, database: 'postgres' });
  const definition: ServiceDefinition = {
    name,
    primary: false,
    config: {
      ...base,
      command: binaries.postgres,
      args: [
        '-D',
        layout.clusterDir,
        '-p',
        String(port),
        '-k',
        socketDirectories(layout.socketDir),
        '-c',
        'listen_addresses=127.0.0.1',
      ],
      // The supervisor's own environment is under this; LC_ALL=C keeps a locale missing here from failing the start.
      env: { LC_ALL: 'C' },
      workingDir: layout.dir,
    },
    health: { kind: 'postgres', url: superuserUrl },
    restartPolicy: 'always',
    stopSignal: 'SIGINT',
    // A fast shutdown that outlives its grace (a checkpoint on a slow disk) gets PostgreSQL's
    // immediate shutdown, which its next start recovers from the write-ahead log, before SIGKILL.
    stopEscalation: ['SIGQUIT'],
    user: root ? (options.user ?? DEFAULT_POSTGRES_USER) : null,
    dependsOn: [],
  };

  return {
    definition,
    layout,
    binaries,
    async prepare() {
      if (root) runAs = resolveRunAs(options.user);
      const outcome = await prepareCluster({
        layout,
        binaries,
        runAs,
        superuserPassword,
        ...(options.version !== undefined ? { version: options.version } : {}),
      });
      appPassword = writeSecretFile(layout.appPasswordFile, appPassword);
      return outcome;
    },
    async afterHealthy() {
      return bootstrapDatabases({ superuserUrl, role: APP_ROLE, password: appPassword, databases });
    },
    dependentEnv() {
      const urlOf = (database: string): string =>
        connectionUrl({ user: APP_ROLE, password: appPassword, port, database });
      const env: Record<string, string> = { DATABASE_URL: urlOf(databases[0] ?? DEFAULT_DATABASE) };
      if (databases.length > 1) for (const db of databases) env[`DATABASE_URL_${db.toUpperCase()}`] = urlOf(db);
      return env;
    },
  };
}
