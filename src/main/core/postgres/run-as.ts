import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, parse, resolve } from 'node:path';
import { ConfigError } from '../errors';
import { userIdsOf, type UserIds } from '../stack/service-user';
import { FolderError } from '../writable-folder';

/**
 * The user PostgreSQL runs as when the supervisor is root and the service names none: a
 * system user of its own (the one docs/headless-systemd.md runs the supervisor as), made with
 * `useradd --system` when missing. Not `nobody`: files owned by `nobody` belong to every
 * program that runs as it.
 */
export const DEFAULT_POSTGRES_USER = 'backend-supervisor';

/** Longest `useradd` may take, ms. */
const USERADD_TIMEOUT_MS = 30_000;

/** The unprivileged user a cluster runs as (PostgreSQL refuses to run as root). */
export interface RunAs extends UserIds {
  /** Its name, or its uid as given. */
  user: string;
}

/** True when this process is root (POSIX): PostgreSQL must then run as another user. */
export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * The user a cluster runs as, when this process is root: `user` (a name or uid, which must
 * exist), else {@link DEFAULT_POSTGRES_USER}, created as a system user (no home, no login
 * shell, a group of its own) when absent.
 * @param create make the default user when it is missing (false: refuse).
 * @throws ConfigError when the user does not exist (and may not or cannot be made) or is root.
 */
export function resolveRunAs(user: string | undefined, create = true): RunAs {
  const name = user ?? DEFAULT_POSTGRES_USER;
  let ids = userIdsOf(name);
  if (ids === null && user === undefined && create) {
    ids = createSystemUser(name);
  }
  if (ids === null) {
    throw new ConfigError(
      user === undefined
        ? `PostgreSQL refuses to run as root and there is no user ${name}: create it (useradd --system --user-group ${name}) or set user:`
        : `user: no user ${JSON.stringify(user)} on this system`,
    );
  }
  if (ids.uid === 0) {
    throw new ConfigError(
      `user: ${JSON.stringify(name)} is root, and PostgreSQL refuses to run as root: name an unprivileged user`,
    );
  }
  return { user: name, ...ids };
}

/** `useradd --system` for `name` (a second caller that lost the race finds the user made). */
function createSystemUser(name: string): UserIds | null {
  const shell = ['/usr/sbin/nologin', '/sbin/nologin'].find((p) => existsSync(p)) ?? '/bin/false';
  try {
    execFileSync(
      'useradd',
      ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', shell, name],
      { timeout: USERADD_TIMEOUT_MS, stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (err) {
    const made = userIdsOf(name);
    if (made !== null) return made;
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new ConfigError(
      `PostgreSQL refuses to run as root, and the user ${name} could not be created (useradd: ${stderr || (err as Error).message}): create an unprivileged user and set user: to it`,
    );
  }
  return userIdsOf(name);
}

/** True when `ids` may search (enter) a folder of this owner, group and mode (the first class that applies decides). */
function canSearch(stat: { uid: number; gid: number; mode: number }, ids: UserIds): boolean {
  if (stat.uid === ids.uid) return (stat.mode & 0o100) !== 0;
  // Only the primary group counts: the supplementary groups are dropped at spawn.
  if (stat.gid === ids.gid) return (stat.mode & 0o010) !== 0;
  return (stat.mode & 0o001) !== 0;
}

/**
 * Checks that `runAs` can reach `folder`: every folder above it, on its real path (symbolic
 * links resolved), has the search bit for that user. `folder` itself need not exist yet; the
 * nearest existing folder above it is where the check starts.
 * @throws FolderError naming the first folder it cannot enter and how to open it
 *   (`chmod o+x /x`), or to choose another data_dir.
 */
export function assertTraversable(folder: string, runAs: RunAs): void {
  let existing = dirname(resolve(folder));
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  const real = realpathSync(existing);
  const { root } = parse(real);
  const parts = real.slice(root.length).split(/[\\/]/).filter(Boolean);
  let current = root;
  for (const part of ['', ...parts]) {
    current = part === '' ? root : join(current, part);
    const stat = statSync(current);
    if (canSearch(stat, runAs)) continue;
    const mode = (stat.mode & 0o7777).toString(8).padStart(4, '0');
    throw new FolderError(
      current,
      'EACCES',
      `cannot use the PostgreSQL data folder ${resolve(folder)}: the folder ${current} (mode ${mode}, owner uid ${stat.uid}) is not traversable by the user ${runAs.user} (uid ${runAs.uid}), whom PostgreSQL runs as since it refuses to run as root; run chmod o+x ${current}, or set data_dir: to a folder that user can reach`,
    );
  }
}

/** Largest number of entries {@link chownTree} changes: a fresh cluster has about 1,000. */
export const MAX_CHOWN_ENTRIES = 1_000_000;

/**
 * Gives `path` and everything under it to `ids` (symbolic links themselves, never their
 * targets).
 * @throws ConfigError past {@link MAX_CHOWN_ENTRIES} entries, or when a change is refused.
 */
export function chownTree(path: string, ids: UserIds): void {
  let count = 0;
  const walk = (p: string): void => {
    if (++count > MAX_CHOWN_ENTRIES) {
      throw new ConfigError(`${path} holds more than ${MAX_CHOWN_ENTRIES} entries: not changing their owner`);
    }
    const stat = lstatSync(p);
    if (stat.isSymbolicLink()) return;
    if (stat.uid !== ids.uid || stat.gid !== ids.gid) chownSync(p, ids.uid, ids.gid);
    if (stat.isDirectory()) for (const entry of readdirSync(p)) walk(join(p, entry));
  };
  try {
    walk(path);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`cannot give ${path} to uid ${ids.uid}: ${(err as Error).message}`);
  }
}
