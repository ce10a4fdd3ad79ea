import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from './errors';

/**
 * A folder the supervisor needs (its data folder, the log folder) cannot be created or
 * written. A ConfigError, so the headless entry prints it as one line and exits 2; the
 * message names the folder and the problem in words.
 */
export class FolderError extends ConfigError {
  constructor(
    /** The folder, absolute. */
    readonly folder: string,
    /** The errno code behind it (`ENOTDIR`, `EROFS`, `EACCES`…), if any. */
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'FolderError';
  }
}

/** The errno codes a folder check meets, in words for people. */
const PROBLEMS: Record<string, string> = {
  ENOTDIR: 'a part of the path is a file, not a folder',
  EROFS: 'it is on a read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  ENOENT: 'no such file or folder',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'the path has a symbolic-link loop',
};

function problemOf(err: NodeJS.ErrnoException): string {
  const words = err.code ? PROBLEMS[err.code] : undefined;
  return words ? `${words} (${err.code})` : err.message;
}

/**
 * Creates the missing folders of `dir` one level at a time (mode 0700), from its nearest
 * existing ancestor down. Not `mkdirSync(…, { recursive: true })`: on Node 20 that never
 * returns for a path under /proc (`/proc/1/nope`: ENOENT on the leaf, EEXIST on the parent,
 * forever), which spun a core and ignored SIGTERM. Here each level is tried once.
 * @throws NodeJS.ErrnoException of the first level that cannot be made (ENOTDIR, EROFS, EACCES, ENOENT…).
 */
export function makeFolder(dir: string): void {
  const missing: string[] = [];
  let at = resolve(dir);
  for (;;) {
    try {
      if (!statSync(at).isDirectory()) {
        throw Object.assign(new Error(`${at} is not a folder`), { code: 'ENOTDIR' });
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const parent = dirname(at);
    missing.push(at);
    if (parent === at) break;
    at = parent;
  }
  for (const folder of missing.reverse()) {
    try {
      mkdirSync(folder, { mode: 0o700 });
    } catch (err) {
      // Another process made it between the stat and the mkdir: fine.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/**
 * Makes sure `dir` exists (creating it, see {@link makeFolder}) and that a file can be
 * created in it: writes and removes a probe file, since `access(W_OK)` says yes to root on a
 * folder whose files cannot be written for other reasons. `what` names the folder for people
 * (`data folder`, `log folder`).
 * @throws FolderError: `cannot use the data folder /x: cannot write a file in it: it is on a read-only file system (EROFS)`.
 */
export function ensureWritableFolder(dir: string, what: string): void {
  const folder = resolve(dir);
  const fail = (step: string, err: unknown): never => {
    throw new FolderError(
      folder,
      (err as NodeJS.ErrnoException).code,
      `cannot use the ${what} ${folder}: ${step}: ${problemOf(err as NodeJS.ErrnoException)}`,
    );
  };
  try {
    makeFolder(folder);
  } catch (err) {
    fail('cannot create it', err);
  }
  const probe = join(folder, `.write-test-${process.pid}`);
  try {
    closeSync(openSync(probe, 'wx', 0o600));
  } catch (err) {
    // A probe left by a killed process of the same pid is still proof the folder is writable.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') fail('cannot write a file in it', err);
  }
  try {
    unlinkSync(probe);
  } catch {
    // Created but not removable: the folder is writable, which is what is asked.
  }
}

/** Mode bits that let other users write in a folder: group-writable and world-writable. */
const WRITABLE_BY_OTHERS = 0o022;
/** The group-writable bit alone. */
const GROUP_WRITABLE = 0o020;

/**
 * True when group `gid` is this user's private group (the user-private-group scheme of
 * Debian and Ubuntu, where the default umask 002 makes new folders group-writable): the
 * group carries the user's name and lists no other member (`/etc/group`). Unknown or
 * unreadable: false, so a group-writable folder is refused.
 */
export function isOwnPrivateGroup(gid: number, groupFile = '/etc/group', user = safeUserName()): boolean {
  if (!user) return false;
  let text: string;
  try {
    text = readFileSync(groupFile, 'utf8');
  } catch {
    return false;
  }
  for (const line of text.split('\n')) {
    const [name, , id, members = ''] = line.split(':');
    if (id === undefined || Number(id) !== gid || !/^\d+$/.test(id)) continue;
    const others = members
      .split(',')
      .map((m) => m.trim())
      .filter((m) => m !== '' && m !== user);
    return name === user && others.length === 0;
  }
  return false;
}

function safeUserName(): string | null {
  try {
    return userInfo().username;
  } catch {
    return null;
  }
}

/**
 * Refuses a folder that another user could change: one owned by someone else, or writable
 * by its group (unless that group is this user's private group: isOwnPrivateGroup) or by everyone (sticky or not: in a world-writable folder with the sticky
 * bit, like /tmp, another user can still create a file that is missing, such as the
 * settings, which name the command the supervisor runs). The supervisor creates its
 * folders 0700; this catches one a person made or chose. Not checked on Windows (no modes).
 * `what` names the folder for people (`data folder`); `why` says what another user could do
 * (default: the data folder's risk).
 * @throws FolderError: `cannot use the data folder /x: it is writable by other users (mode 0777), who could …; run chmod go-w /x`.
 */
export function assertPrivateFolder(
  dir: string,
  what: string,
  options: { why?: string; platform?: NodeJS.Platform } = {},
): void {
  const { why = 'who could change its settings and so the command it runs', platform = process.platform } = options;
  if (platform === 'win32') return;
  const folder = resolve(dir);
  const stat = statSync(folder);
  const uid = process.geteuid?.();
  const mode = (stat.mode & 0o7777).toString(8).padStart(4, '0');
  if (uid !== undefined && stat.uid !== uid) {
    throw new FolderError(
      folder,
      undefined,
      `cannot use the ${what} ${folder}: it belongs to another user (uid ${stat.uid}; this is uid ${uid}), ${why}; use a folder of your own`,
    );
  }
  // Group-writable is safe only when the group is this user alone (a user private group).
  const othersBits =
    (stat.mode & GROUP_WRITABLE) !== 0 && stat.gid === process.getegid?.() && isOwnPrivateGroup(stat.gid)
      ? stat.mode & WRITABLE_BY_OTHERS & ~GROUP_WRITABLE
      : stat.mode & WRITABLE_BY_OTHERS;
  if (othersBits !== 0) {
    throw new FolderError(
      folder,
      undefined,
      `cannot use the ${what} ${folder}: it is writable by other users (mode ${mode}), ${why}; run chmod go-w ${folder}`,
    );
  }
}

/**
 * Refuses a log folder another user could change ({@link assertPrivateFolder}): who can write
 * in it can put a symbolic link where a log file goes, and the supervisor would append to the
 * file it names. The start and a reload that moves the logs check it alike.
 * @throws FolderError as assertPrivateFolder does.
 */
export function assertPrivateLogFolder(dir: string): void {
  assertPrivateFolder(dir, 'log folder', { why: 'who could aim the log files at any file with a symbolic link' });
}
