/**
 * A stack file's `kind: postgres` entry made a service (README "Stack file"): its folder, the
 * PostgreSQL service the library builds, and the connection URLs its dependents get.
 */
import { existsSync, mkdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { SupervisorConfig } from '../../../shared/config';
import { ConfigError } from '../errors';
import { postgresServiceDefinition, type PostgresService } from '../postgres/postgres-service';
import { DEFAULT_POSTGRES_USER, resolveRunAs } from '../postgres/run-as';
import { readSmallFile } from '../postgres/small-file';
import type { ServiceDefinition } from './service-definition';

/**
 * The folder above a `postgres` service's own when the supervisor is root and the entry names
 * no `data_dir`: the supervisor's data folder (0700 under /root) is not passable for the
 * unprivileged user PostgreSQL runs as. Made 0711, owned by root; the cluster in it belongs
 * to that user.
 */
export const ROOT_POSTGRES_DATA_ROOT = '/var/lib/backend-supervisor';

/**
 * The file in a service folder under {@link ROOT_POSTGRES_DATA_ROOT} that names (one line,
 * its real path) the data folder of the supervisor the cluster belongs to. Every root
 * supervisor whose data folder is closed falls back to the same `<root>/<name>`: without it a
 * second one (another data folder) would run on, and serve its backend, the first one's data.
 */
export const DATA_FOLDER_CLAIM_FILE = 'supervisor-data-folder';

/** The variable a dependent gets the first database's URL in, unless the entry's `env_name` names another. */
export const DEFAULT_DATABASE_URL_ENV = 'DATABASE_URL';

/** The options of a `kind: postgres` entry the library takes, plus `env_name`, as the schema checked them. */
export interface PostgresEntry {
  port?: number | undefined;
  version?: string | undefined;
  data_dir?: string | undefined;
  databases?: string[] | undefined;
  user?: string | number | undefined;
  command?: string | undefined;
  env_name?: string | undefined;
}

/** A problem at a field of the entry (`['databases', 1]`). */
export type EntryProblem = (field: (string | number)[], what: string) => void;

/**
 * The service's folder: `data_dir` (absolute, or relative to the stack file's folder `dir`),
 * else `<dataDir>/<name>`. As root, `<dataDir>/<name>` only when every folder down to the
 * data folder can be entered by any user (the server runs as an unprivileged one), else
 * `/var/lib/backend-supervisor/<name>` (a root's data folder under /root is 0700). Once one of
 * the two has been chosen (`<dataDir>/<name>` exists, or the other is claimed for this data
 * folder, see {@link DATA_FOLDER_CLAIM_FILE}) it stays chosen: a chmod of the data folder
 * later must not start a new, empty cluster in the other place.
 */
export function postgresDataDir(
  name: string,
  dataDir: string | undefined,
  dir: string,
  base: SupervisorConfig,
  root: boolean,
): string {
  if (dataDir !== undefined) return isAbsolute(dataDir) ? dataDir : resolve(dir, dataDir);
  const own = join(base.dataDir, name);
  if (!root || existsSync(own)) return own;
  const shared = join(ROOT_POSTGRES_DATA_ROOT, name);
  if (claimOf(shared) === dataFolderId(base.dataDir)) return shared;
  return enterableByAnyone(base.dataDir) ? own : shared;
}

/** A data folder as a claim names it: its real path (resolved when it does not exist). */
function dataFolderId(dataDir: string): string {
  try {
    return realpathSync(dataDir);
  } catch {
    return resolve(dataDir);
  }
}

/** The data folder a service folder under {@link ROOT_POSTGRES_DATA_ROOT} is claimed for, or null. */
function claimOf(serviceDir: string): string | null {
  // A path is at most PATH_MAX (4096) bytes; the line's end is not part of it.
  return readSmallFile(join(serviceDir, DATA_FOLDER_CLAIM_FILE), 8192)?.replace(/\n$/, '') ?? null;
}

/** @throws ConfigError when `serviceDir` is claimed for another data folder than `dataDir`. */
function assertClaimable(serviceDir: string, name: string, dataDir: string): void {
  const mine = dataFolderId(dataDir);
  const other = claimOf(serviceDir);
  if (other === null || other === mine) return;
  throw new ConfigError(
    `${serviceDir} holds the PostgreSQL cluster of the supervisor whose data folder is ${other}, not this one's (${mine}): as root, a postgres service without data_dir keeps its cluster there when the data folder is closed to other users. Give this one a cluster of its own: make ${mine} and every folder above it enterable by others (chmod o+x) so that it goes into ${join(mine, name)}, or set data_dir: for ${name} in a stack file; or, if ${other} is gone for good and this supervisor is to take over its database, remove ${join(serviceDir, DATA_FOLDER_CLAIM_FILE)}`,
  );
}

/**
 * Claims `serviceDir` for `dataDir` before its first use (made 0711 as the cluster's folder
 * is; the claim file root's, 0600); a claim there for another data folder is refused.
 * @throws ConfigError as {@link assertClaimable}, or when the claim cannot be written.
 */
function claim(serviceDir: string, name: string, dataDir: string): void {
  assertClaimable(serviceDir, name, dataDir);
  const file = join(serviceDir, DATA_FOLDER_CLAIM_FILE);
  try {
    mkdirSync(serviceDir, { recursive: true, mode: 0o711 });
    writeFileSync(file, `${dataFolderId(dataDir)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another start claimed it meanwhile: for this data folder (a restart), or refused here.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return assertClaimable(serviceDir, name, dataDir);
    throw new ConfigError(`cannot claim ${serviceDir} for this supervisor: ${(err as Error).message}`);
  }
}

/** True when `folder` exists and it and every folder above it (real path) have the search bit for others. */
function enterableByAnyone(folder: string): boolean {
  let current: string;
  try {
    current = realpathSync(folder);
  } catch {
    return false;
  }
  for (;;) {
    try {
      if ((statSync(current).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
    const up = dirname(current);
    if (up === current) return true;
    current = up;
  }
}

/**
 * The stack's service of a built {@link PostgresService}: its definition with `config`,
 * `restartPolicy` and `dependsOn`, and the hooks that make the cluster before each spawn
 * and the role and databases once it is healthy.
 */
export function postgresWithHooks(
  service: PostgresService,
  config: SupervisorConfig,
  restartPolicy: ServiceDefinition['restartPolicy'],
  dependsOn: ServiceDefinition['dependsOn'],
): ServiceDefinition {
  return {
    ...service.definition,
    config,
    restartPolicy,
    dependsOn,
    kind: 'postgres',
    hooks: {
      beforeSpawn: async () => {
        await service.prepare();
      },
      afterHealthy: async () => {
        await service.afterHealthy();
      },
    },
  };
}

/**
 * Builds the PostgreSQL service of an entry (nothing is written). A library message that
 * starts with its option (`port: …`, `databases[1]: …`) is a problem at that field; any
 * other (missing binaries, a password file that is not private) is one at the entry.
 * @param makeUser as root, make the run-as user when the entry names none and it is missing.
 * @returns null when there was a problem.
 */
export function postgresOfEntry(
  name: string,
  entry: PostgresEntry,
  dir: string,
  base: SupervisorConfig,
  root: boolean,
  makeUser: boolean,
  problem: EntryProblem,
): PostgresService | null {
  try {
    const user = entry.user === undefined ? undefined : String(entry.user);
    if (root && makeUser && (user === undefined || user === DEFAULT_POSTGRES_USER)) resolveRunAs(undefined);
    const dataDir = postgresDataDir(name, entry.data_dir, dir, base, root);
    // Claimed (and another's claim refused) when it starts, not here: a definition is also
    // built by `serve --no-start` and the settings editor, which start nothing.
    const shared = entry.data_dir === undefined && dataDir === join(ROOT_POSTGRES_DATA_ROOT, name);
    const service = postgresServiceDefinition(
      name,
      {
        ...(entry.port !== undefined ? { port: entry.port } : {}),
        ...(entry.version !== undefined ? { version: entry.version } : {}),
        ...(entry.databases !== undefined ? { databases: entry.databases } : {}),
        ...(user !== undefined ? { user } : {}),
        ...(entry.command !== undefined
          ? { command: isAbsolute(entry.command) ? entry.command : resolve(dir, entry.command) }
          : {}),
        data_dir: dataDir,
      },
      base,
      { root },
    );
    if (!shared) return service;
    return {
      ...service,
      prepare: async () => {
        claim(dataDir, name, base.dataDir);
        return service.prepare();
      },
    };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const m = /^([a-z_]+)(?:\[(\d+)\])?: ([\s\S]*)$/.exec(err.message);
    const field = m?.[1];
    if (m && field !== undefined && KNOWN_FIELDS.has(field)) {
      problem(m[2] !== undefined ? [field, Number(m[2])] : [field], m[3]!);
    } else if (/refuses to run as root/.test(err.message)) problem(['user'], err.message);
    else problem([], err.message);
    return null;
  }
}

/** The options the library names at the start of its messages. */
const KNOWN_FIELDS: ReadonlySet<string> = new Set(['port', 'version', 'databases', 'user', 'command', 'data_dir']);

/**
 * The variables a dependent of `service` gets: `<envName>` (the first database's URL) and,
 * with more than one database, `<envName>_<DATABASE>` for each.
 */
export function dependentVariables(service: PostgresService, envName: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.dependentEnv()).map(([key, url]) => [
      envName + key.slice(DEFAULT_DATABASE_URL_ENV.length),
      url,
    ]),
  );
}

/**
 * Gives every service that depends on a `postgres` service its connection URLs
 * ({@link dependentVariables}), under the service's own `environment` (its values win).
 * Two `postgres` dependencies giving the same variable are a problem at that `depends_on`.
 */
export function withDatabaseUrls(
  services: ServiceDefinition[],
  postgres: ReadonlyMap<string, { service: PostgresService; envName: string }>,
  problem: (service: string, dependency: string, what: string) => void,
): void {
  for (const service of services) {
    if (service.kind === 'postgres') continue;
    const given: Record<string, string> = {};
    const from = new Map<string, string>();
    for (const dep of service.dependsOn) {
      const db = postgres.get(dep.service);
      if (!db) continue;
      for (const [key, url] of Object.entries(dependentVariables(db.service, db.envName))) {
        const other = from.get(key);
        if (other !== undefined && !(key in service.config.env)) {
          problem(
            service.name,
            dep.service,
            `${other} and ${dep.service} both give ${key}: set env_name on one of them`,
          );
        }
        from.set(key, dep.service);
        given[key] = url;
      }
    }
    if (from.size > 0) service.config = { ...service.config, env: { ...given, ...service.config.env } };
  }
}
