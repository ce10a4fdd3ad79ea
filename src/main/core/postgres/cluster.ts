import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../errors';
import type { PostgresBinaries } from './embedded-binaries';
import { postgresVersionOf, versionMatches } from './embedded-binaries';
import { reapLeftoverServers } from './leftover-servers';
import { assertTraversable, chownTree, type RunAs } from './run-as';
import { readSecretFile, writeSecretFile } from './secret-file';
import { readSmallFile } from './small-file';

/** The superuser initdb makes (the probe logs in as it). */
export const SUPERUSER = 'postgres';

/** Longest an initdb may take, ms (it takes about 0.5 s; a slow disk syncing many times that). */
export const INITDB_TIMEOUT_MS = 120_000;

/** Bytes of initdb's output kept for an error message (its end). */
const OUTPUT_TAIL_BYTES = 4_096;

/**
 * Longest Unix socket path, bytes, by platform: `sun_path` less its NUL (Linux 108, macOS
 * and the BSDs 104). PostgreSQL refuses to start with a longer one.
 */
export const MAX_SOCKET_PATH: Readonly<Partial<Record<NodeJS.Platform, number>>> = {
  linux: 107,
  darwin: 103,
  freebsd: 103,
  openbsd: 103,
};

/** Prefix of the folder an initdb runs into before it is renamed into place. */
const INITDB_TEMP_PREFIX = 'postgres.initdb-';

/**
 * Where a PostgreSQL service keeps its files, all in its own folder `<dir>`:
 * `<dir>/postgres` is the cluster (PGDATA, mode 0700, owned by the user PostgreSQL runs as);
 * `<dir>/postgres-superuser-password` and `<dir>/postgres-app-password` hold the passwords
 * (mode 0600, owned by the supervisor's user). The Unix socket is made in the cluster
 * folder, so only its owner (and root) can reach it.
 */
export interface ClusterLayout {
  /** The service's folder, absolute. */
  dir: string;
  /** The cluster (PGDATA). */
  clusterDir: string;
  /** The superuser's password, one line. */
  superuserPasswordFile: string;
  /** The application role's password, one line. */
  appPasswordFile: string;
  /** `-k`: the Unix socket's folder, or '' for no socket (Windows, or a path too long for a socket). */
  socketDir: string;
}

/**
 * The layout of a cluster in `dir` for `port`. The socket goes in the cluster folder when
 * `<cluster>/.s.PGSQL.<port>` fits the platform's socket path limit ({@link MAX_SOCKET_PATH}),
 * else there is none (every connection here is TCP on 127.0.0.1).
 */
export function clusterLayout(dir: string, port: number, platform: NodeJS.Platform = process.platform): ClusterLayout {
  const folder = resolve(dir);
  const clusterDir = join(folder, 'postgres');
  const limit = MAX_SOCKET_PATH[platform];
  const socketPath = join(clusterDir, `.s.PGSQL.${port}`);
  return {
    dir: folder,
    clusterDir,
    superuserPasswordFile: join(folder, 'postgres-superuser-password'),
    appPasswordFile: join(folder, 'postgres-app-password'),
    socketDir: limit !== undefined && Buffer.byteLength(socketPath) <= limit ? clusterDir : '',
  };
}

/** What {@link prepareCluster} needs. */
export interface PrepareClusterOptions {
  layout: ClusterLayout;
  binaries: PostgresBinaries;
  /** The user PostgreSQL runs as when the supervisor is root; null: as the supervisor. */
  runAs: RunAs | null;
  /** The superuser password to set at initdb (written to its file first when absent). */
  superuserPassword: string;
  /** A `version` option the binaries must match (`17`, `17.10`). */
  version?: string;
  /** Budget of initdb, ms (default {@link INITDB_TIMEOUT_MS}). */
  initdbTimeoutMs?: number;
}

/** What {@link prepareCluster} did: `initialised` ran initdb; `existing` found a cluster and checked it. */
export type PrepareOutcome = { action: 'initialised'; initdbMs: number } | { action: 'existing' };

/**
 * Makes the cluster ready to start, idempotently. Checks the binaries run (and are
 * `version`); makes the service folder and any missing folder above it (0700, or 0711 when
 * PostgreSQL runs as another user, who must pass through them; an existing private service
 * folder of ours gets the search bit for others); as root checks every folder above the
 * cluster is traversable by that user; writes the superuser password file when absent. On
 * the first call runs initdb as that user (UTF8; the builtin C.UTF-8 locale from PostgreSQL
 * 17 on, C before; scram-sha-256 for every connection; the superuser {@link SUPERUSER}) into
 * a temporary folder beside the cluster, renamed into place once complete, so a killed
 * initdb never leaves a half cluster (a leftover one is removed by the next call). Later
 * calls only check the cluster: its major version is the binaries' and it belongs to the
 * user it runs as (as root, a cluster of another owner, e.g. after `user:` changed, is given
 * to the user); and they kill what a dead postmaster left running on it
 * ({@link reapLeftoverServers}), which would keep the new one from starting.
 * @throws ConfigError (FolderError for an unreachable folder) saying what to fix.
 */
export async function prepareCluster(options: PrepareClusterOptions): Promise<PrepareOutcome> {
  const { layout, binaries, runAs } = options;
  const version = await postgresVersionOf(binaries.postgres);
  if (options.version !== undefined && !versionMatches(options.version, version)) {
    throw new ConfigError(`version: PostgreSQL ${options.version} was asked, but ${binaries.postgres} is ${version}`);
  }
  ensureServiceFolder(layout.dir, runAs);
  if (runAs !== null) assertTraversable(layout.clusterDir, runAs);
  removeStaleInitdbFolders(layout.dir);
  if (existsSync(layout.clusterDir)) {
    checkExistingCluster(layout, version, runAs, options.superuserPassword);
    // A postmaster killed (SIGKILL, OOM) leaves its busy children holding the old shared memory.
    await reapLeftoverServers({ clusterDir: layout.clusterDir, postgres: binaries.postgres });
    return { action: 'existing' };
  }
  const password = writeSecretFile(layout.superuserPasswordFile, options.superuserPassword);
  if (password !== options.superuserPassword) {
    throw new ConfigError(`${layout.superuserPasswordFile} was written by another start meanwhile: start again`);
  }
  const started = performance.now();
  await runInitdb(options, Number(version.split('.')[0]));
  return { action: 'initialised', initdbMs: Math.round(performance.now() - started) };
}

function ensureServiceFolder(dir: string, runAs: RunAs | null): void {
  try {
    // Folders made here let the user PostgreSQL runs as pass (0711); those that exist are checked.
    mkdirSync(dir, { recursive: true, mode: runAs !== null ? 0o711 : 0o700 });
    const stat = statSync(dir);
    // The user PostgreSQL runs as passes through (the search bit only, no listing) to reach
    // the cluster; the password files in it stay 0600. Only a private folder of ours is opened.
    if (runAs !== null && stat.uid === process.getuid?.() && (stat.mode & 0o077) === 0) {
      chmodSync(dir, (stat.mode & 0o777) | 0o011);
    }
  } catch (err) {
    throw new ConfigError(`cannot make the PostgreSQL service folder ${dir}: ${(err as Error).message}`);
  }
}

/** Removes folders of initdb runs that never finished (a supervisor killed during one). */
function removeStaleInitdbFolders(dir: string): void {
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith(INITDB_TEMP_PREFIX)) rmSync(join(dir, entry), { recursive: true, force: true });
  }
}

function checkExistingCluster(layout: ClusterLayout, version: string, runAs: RunAs | null, password: string): void {
  // The cluster is the unprivileged user's: a FIFO or a link in PG_VERSION's place is no cluster.
  const clusterVersion = readSmallFile(join(layout.clusterDir, 'PG_VERSION'), 64)?.trim();
  if (clusterVersion === undefined) {
    throw new ConfigError(
      `${layout.clusterDir} is not a PostgreSQL cluster (no PG_VERSION): move it away to have a new one made`,
    );
  }
  const major = version.split('.')[0];
  if (clusterVersion !== major) {
    throw new ConfigError(
      `${layout.clusterDir} is a PostgreSQL ${clusterVersion} cluster, and the binaries are PostgreSQL ${version}: upgrade it with pg_upgrade, or set version: ${clusterVersion}`,
    );
  }
  // The cluster's superuser password is the one in the file: a lost file cannot be made anew.
  const kept = readSecretFile(layout.superuserPasswordFile);
  if (kept === null) {
    throw new ConfigError(
      `${layout.superuserPasswordFile} is missing, and the cluster ${layout.clusterDir} has the superuser password it held: restore the file, or move the cluster away to have a new one made`,
    );
  }
  if (kept !== password) {
    throw new ConfigError(`${layout.superuserPasswordFile} changed since the service was defined: start again`);
  }
  if (runAs !== null) {
    const stat = statSync(layout.clusterDir);
    if (stat.uid !== runAs.uid) chownTree(layout.clusterDir, runAs);
  }
}

async function runInitdb(options: PrepareClusterOptions, major: number): Promise<void> {
  const { layout, binaries, runAs } = options;
  const suffix = randomBytes(6).toString('hex');
  const target = join(layout.dir, `${INITDB_TEMP_PREFIX}${suffix}`);
  const pwfile = join(layout.dir, `${INITDB_TEMP_PREFIX}${suffix}.pw`);
  try {
    mkdirSync(target, { mode: 0o700 });
    // initdb reads the password from a file: one of its own, removed once it has run.
    writeFileSync(pwfile, `${options.superuserPassword}\n`, { mode: 0o600, flag: 'wx' });
    if (runAs !== null) {
      chownSync(target, runAs.uid, runAs.gid);
      chownSync(pwfile, runAs.uid, runAs.gid);
    }
    const args = [
      '-D',
      target,
      '-U',
      SUPERUSER,
      `--pwfile=${pwfile}`,
      '--encoding=UTF8',
      '--locale=C',
      // PostgreSQL 17's builtin provider: UTF-8 character classes the same on every platform.
      ...(major >= 17 ? ['--locale-provider=builtin', '--builtin-locale=C.UTF-8'] : []),
      '--auth=scram-sha-256',
      '--no-instructions',
    ];
    await run(binaries.initdb, args, runAs, layout.dir, options.initdbTimeoutMs ?? INITDB_TIMEOUT_MS);
    renameSync(target, layout.clusterDir);
  } finally {
    rmSync(pwfile, { force: true });
    rmSync(target, { recursive: true, force: true });
  }
}

/** Runs `program` (as `runAs`) to its end within `timeoutMs`; its output's tail goes into the error. */
function run(program: string, args: string[], runAs: RunAs | null, cwd: string, timeoutMs: number): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(program, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      // The locale initdb reads from the environment is fixed by its options; LC_ALL=C keeps
      // a locale missing on this machine from failing it.
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      windowsHide: true,
      ...(runAs !== null ? { uid: runAs.uid, gid: runAs.gid } : {}),
    });
    let tail = '';
    const keep = (chunk: Buffer): void => {
      tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new ConfigError(`cannot run ${program}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) reject(new ConfigError(`initdb did not finish within ${timeoutMs} ms: ${tail.trim()}`));
      else if (code === 0) resolvePromise();
      else reject(new ConfigError(`initdb failed (${signal ?? `exit code ${code}`}): ${tail.trim()}`));
    });
  });
}
