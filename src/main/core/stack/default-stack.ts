/**
 * The stack without a stack file (README "Several services" and "Embedded PostgreSQL"): the
 * environment's one service `backend`, and, when that is the bundled reference backend with no
 * `DATABASE_URL` of its own, the embedded PostgreSQL `postgres` it depends on.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { SupervisorConfig } from '../../../shared/config';
import type { ConfigDefaults } from '../config';
import { ConfigError } from '../errors';
import { DEFAULT_POSTGRES_PORT } from '../postgres/postgres-service';
import { isRoot } from '../postgres/run-as';
import { readSmallFile } from '../postgres/small-file';
import { DEFAULT_DATABASE_URL_ENV, postgresOfEntry, postgresWithHooks, withDatabaseUrls } from './postgres-entry';
import type { ServiceDefinition, StackDefinition } from './service-definition';

/** The name of the default stack's database service. */
export const DEFAULT_DATABASE_SERVICE = 'postgres';

/**
 * The file in the data folder that remembers the default database's port, so its URL stays
 * the same from one start to the next (one decimal number).
 */
export const DEFAULT_DATABASE_PORT_FILE = 'postgres.port';

/** The default stack's database, as {@link resolveDefaultDatabase} chose it. */
export interface DefaultDatabase {
  /** TCP port on 127.0.0.1. */
  port: number;
}

/**
 * True when the supervisor runs the environment's backend (not a remote one it only
 * watches), that backend is the bundled one (`defaults`' command and arguments), and nothing
 * gives it a database: no `DATABASE_URL` in its own environment nor in the supervisor's
 * (which it inherits).
 */
export function wantsDefaultDatabase(
  config: Pick<SupervisorConfig, 'command' | 'args' | 'env' | 'orchestratorEnabled'>,
  defaults: Pick<ConfigDefaults, 'command' | 'args'>,
  env: Record<string, string | undefined> = process.env,
): boolean {
  const args = defaults.args ?? [];
  const bundled =
    config.orchestratorEnabled &&
    config.command === defaults.command &&
    config.args.length === args.length &&
    config.args.every((a, i) => a === args[i]);
  return bundled && !config.env[DEFAULT_DATABASE_URL_ENV] && !env[DEFAULT_DATABASE_URL_ENV];
}

/**
 * Chooses the default database's port: the one remembered in `<dataDir>/postgres.port` while
 * it is free, else PostgreSQL's 5432 when free, else a free one outside the ephemeral range
 * (see {@link pickPort}); remembered for the next start. A port taken by something else (a
 * system PostgreSQL on 5432) is never used, and changing it loses nothing: the port is a
 * command-line option of the server, not in its files.
 * Only a plain file is read there (a symbolic link, a FIFO or a large file is not), and it is
 * replaced by a rename, never written through a link.
 * @throws ConfigError naming the port file when it cannot be written (a folder in its place, a full disk).
 */
export async function resolveDefaultDatabase(dataDir: string): Promise<DefaultDatabase> {
  const file = join(dataDir, DEFAULT_DATABASE_PORT_FILE);
  const remembered = readPort(file);
  let port: number | null = null;
  for (const candidate of [remembered, DEFAULT_POSTGRES_PORT]) {
    if (candidate !== null && (await isFree(candidate))) {
      port = candidate;
      break;
    }
  }
  port ??= await pickPort();
  if (port !== remembered) rememberPort(file, port);
  return { port };
}

/** Longest port file read, bytes ("65535\n" and some room). */
const PORT_FILE_MAX_BYTES = 64;

function readPort(file: string): number | null {
  const text = readSmallFile(file, PORT_FILE_MAX_BYTES);
  const n = text === null ? NaN : Number(text.trim());
  return Number.isInteger(n) && n >= 1 && n <= 65_535 ? n : null;
}

/** Writes `port` to a new file beside `file`, renamed over it: whatever is at `file` is replaced, never written through. */
function rememberPort(file: string, port: number): void {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, `${port}\n`, { mode: 0o600, flag: 'wx' });
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw new ConfigError(`cannot remember the database's port in ${file}: ${(err as Error).message}`);
  }
}

/** True when nothing listens on 127.0.0.1:`port` and we may bind it. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Where Linux tells the range outgoing connections take their local port from ("32768\t60999"). */
export const EPHEMERAL_PORT_RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range';

/** Linux's default ephemeral range, used when {@link EPHEMERAL_PORT_RANGE_FILE} is missing or unreadable. */
const DEFAULT_EPHEMERAL_RANGE = { low: 32_768, high: 60_999 } as const;

/** The lowest port {@link pickPort} chooses: above the well-known and most registered servers' ports. */
const PICKED_PORT_MIN = 20_000;

/** How many random free-looking ports {@link pickPort} checks before leaving the choice to the system. */
const PICK_TRIES = 20;

/**
 * The range (inclusive) the system takes outgoing connections' local ports from, as
 * {@link EPHEMERAL_PORT_RANGE_FILE} (or `file`) gives it, else Linux's default 32768-60999.
 */
export function ephemeralPortRange(file: string = EPHEMERAL_PORT_RANGE_FILE): { low: number; high: number } {
  const text = readSmallFile(file, PORT_FILE_MAX_BYTES);
  const fields = (text ?? '').trim().split(/\s+/).map(Number);
  const [low = NaN, high = NaN] = fields.length === 2 ? fields : [];
  const valid = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= 65_535;
  return valid(low) && valid(high) && low <= high ? { low, high } : { ...DEFAULT_EPHEMERAL_RANGE };
}

/**
 * A free port for the database when neither the remembered one nor 5432 is: a random one from
 * 20000 up to the ephemeral range's start − 1 (or, when that range starts lower, above its
 * end), checked free, several tries; the system's pick (`listen(0)`) only when none is.
 * Not the system's pick first, because that comes from the ephemeral range, where every
 * outgoing TCP connection on the machine takes its local port: one holding the port (between
 * this check and PostgreSQL's bind, or at any later start, the port being remembered) makes
 * PostgreSQL's listen fail with "Address already in use", SO_REUSEADDR notwithstanding.
 * Random, not the first free one, so two data folders started at once rarely pick the same.
 */
export async function pickPort(range = ephemeralPortRange()): Promise<number> {
  const below = { from: PICKED_PORT_MIN, to: range.low - 1 };
  const above = { from: Math.max(PICKED_PORT_MIN, range.high + 1), to: 65_535 };
  const span = below.to >= below.from ? below : above.to >= above.from ? above : null;
  if (span !== null) {
    const size = span.to - span.from + 1;
    for (let i = 0; i < Math.min(PICK_TRIES, size); i++) {
      const candidate = span.from + randomInt(size);
      if (await isFree(candidate)) return candidate;
    }
  }
  return systemPort();
}

function systemPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The stack without a stack file: one primary service named `backend`, from `config` as is
 * (HTTP health at `backendUrl` + `healthCheckPath`, restart `always` or `no` by
 * `autoRestart`, SIGTERM, no user). With `database`, also the embedded PostgreSQL
 * `postgres` on its port (files in `<dataDir>/postgres`; as root see `postgresDataDir`),
 * which `backend` depends on (`service_healthy`) and gets `DATABASE_URL` from.
 * @throws ConfigError when the PostgreSQL binaries are missing or its files are not private.
 */
export function envStack(config: SupervisorConfig, database: DefaultDatabase | null = null): StackDefinition {
  const backend: ServiceDefinition = {
    name: 'backend',
    primary: true,
    config,
    health: { kind: 'http', url: new URL(config.healthCheckPath, config.backendUrl).toString() },
    restartPolicy: config.autoRestart ? 'always' : 'no',
    stopSignal: 'SIGTERM',
    user: null,
    dependsOn: [],
  };
  if (database === null) return { file: null, services: [backend] };

  const problems: string[] = [];
  const service = postgresOfEntry(
    DEFAULT_DATABASE_SERVICE,
    { port: database.port },
    config.dataDir,
    config,
    isRoot(),
    true,
    (field, what) => problems.push(`${[DEFAULT_DATABASE_SERVICE, ...field].join('.')}: ${what}`),
  );
  if (service === null) throw new ConfigError(`the default stack's database: ${problems.join('; ')}`);
  const postgres = postgresWithHooks(service, service.definition.config, config.autoRestart ? 'always' : 'no', []);
  backend.dependsOn = [{ service: DEFAULT_DATABASE_SERVICE, condition: 'service_healthy' }];
  const services = [postgres, backend];
  withDatabaseUrls(
    services,
    new Map([[DEFAULT_DATABASE_SERVICE, { service, envName: DEFAULT_DATABASE_URL_ENV }]]),
    () => undefined,
  );
  return { file: null, services };
}
