/**
 * One supervisor per data folder. Two on one folder overwrite each other's pid file and run
 * two backends on one database, so the folder is locked at start, before anything is
 * written to it.
 *
 * The lock is an flock(2) on `.supervisor.lock` inside the (private, see
 * assertPrivateFolder) data folder. The kernel drops it when the last descriptor of the open
 * file is closed, so it dies with the process, even by SIGKILL: there is no stale lock to
 * detect or take over (an mtime-based lock file, as proper-lockfile keeps, would have to
 * guess when its holder died; a socket file left by a killed holder must be unlinked, and two
 * starts that both unlink it both listen). Only the folder's owner can open the file, so no
 * other user can take the lock first (a denial of service) or probe it; an abstract Unix
 * socket, which this replaced, has no permissions at all.
 *
 * Node has no flock, so a short-lived child takes it: `flock -n -x 3` (--nonblock --exclusive; or
 * perl's flock where util-linux is missing, e.g. macOS) locks the descriptor it inherits as
 * fd 3. That descriptor shares our open file description, and flock locks belong to the open
 * file description, so the lock stays ours after the child exits and goes when we close the
 * file or die. The holder writes its pid into the file, so a second supervisor can name it.
 * On Windows (no flock, no inherited descriptors) it is a named pipe only one process can listen on.
 */
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  openSync,
  readFileSync,
  realpathSync,
  writeSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { ConfigError } from './errors';
import { assertPrivateFolder } from './writable-folder';

/** The lock file in the data folder (its content: the holder's pid and a newline). */
export const LOCK_FILE_NAME = '.supervisor.lock';

/**
 * How long a second supervisor reads the lock file for the holder's pid, ms. The holder
 * writes it microseconds after it took the lock; until then the file may still hold the pid
 * of a holder that died (a dead pid is not reported). 1 s covers a loaded machine.
 */
export const LOCK_PID_WAIT_MS = 1_000;

/** Pause between two reads of the holder's pid, ms. */
const LOCK_PID_POLL_MS = 20;

/** The data folder is locked by another supervisor, whose pid it names (null: not known). */
export class DataDirInUseError extends ConfigError {
  constructor(
    readonly folder: string,
    readonly pid: number | null,
  ) {
    super(
      `the data folder ${folder} is in use by another supervisor (${pid === null ? 'pid unknown' : `pid ${pid}`}); stop it or use another SUPERVISOR_DATA_DIR`,
    );
    this.name = 'DataDirInUseError';
  }
}

/** A held lock on a data folder. */
export interface DataDirLock {
  /** The folder (its real path). */
  readonly folder: string;
  /** What is locked: the lock file's path (Windows: the pipe's name). */
  readonly address: string;
  /** Gives the lock up (closes the lock file: the kernel drops the lock). Idempotent. */
  release(): Promise<void>;
}

/** The lock file of a data folder (given as its real path, so two spellings of one folder share it). */
export function lockFileOf(realFolder: string): string {
  return join(realFolder, LOCK_FILE_NAME);
}

/** The Windows lock: a named pipe after the folder's real path (no flock there). */
export function windowsLockPipe(realFolder: string): string {
  const hash = createHash('sha256').update(realFolder.toLowerCase()).digest('hex').slice(0, 32);
  return `\\\\.\\pipe\\backend-supervisor-${hash}`;
}

/**
 * The helpers that can flock a descriptor given as fd 3, tried in order: util-linux (or
 * busybox) `flock`, else perl (shipped with macOS). Each exits 0 when it took the lock and 1
 * when another holds it; anything else is an error.
 */
const FLOCK_HELPERS: readonly { command: string; args: readonly string[] }[] = [
  // Short options: busybox's flock (Alpine) has no long ones.
  { command: 'flock', args: ['-n', '-x', '3'] },
  {
    command: 'perl',
    args: ['-MFcntl=:flock', '-e', 'open(my $f, "+<&=", 3) or exit 66; flock($f, LOCK_EX | LOCK_NB) or exit 1; exit 0'],
  },
];

/** Takes an exclusive flock on `fd` through a helper. @returns false when another process holds it. */
function flockDescriptor(fd: number, file: string): boolean {
  for (const helper of FLOCK_HELPERS) {
    const run = spawnSync(helper.command, helper.args, { stdio: ['ignore', 'ignore', 'pipe', fd], timeout: 10_000 });
    if ((run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') continue;
    if (run.status === 0) return true;
    if (run.status === 1) return false;
    const why = run.error?.message ?? (run.stderr?.toString().trim() || `exit code ${run.status ?? run.signal}`);
    throw new ConfigError(`cannot lock the data folder (${file}): ${helper.command}: ${why}`);
  }
  throw new ConfigError(
    `cannot lock the data folder (${file}): neither flock (util-linux) nor perl is installed; install util-linux`,
  );
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The holder's pid from the lock file: written right after it took the lock, so wait for a live one. */
async function holderPid(file: string): Promise<number | null> {
  const deadline = performance.now() + LOCK_PID_WAIT_MS;
  for (;;) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      // Unreadable for a moment: try again.
    }
    const pid = /^\d{1,10}\n$/.test(text) ? Number(text.trim()) : NaN;
    if (Number.isSafeInteger(pid) && pid > 0 && pidAlive(pid)) return pid;
    if (performance.now() >= deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, LOCK_PID_POLL_MS));
  }
}

/** Opens the lock file for the lock: created 0600, never through a symbolic link, ours and a plain file. */
function openLockFile(file: string): number {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    // ELOOP: a symbolic link where the lock file goes; EACCES: not ours.
    throw new ConfigError(`cannot lock the data folder: cannot open ${file}: ${(err as Error).message}`);
  }
  const stat = fstatSync(fd);
  const uid = process.geteuid?.();
  if (!stat.isFile() || (uid !== undefined && stat.uid !== uid)) {
    closeSync(fd);
    throw new ConfigError(
      `cannot lock the data folder: ${file} is not a plain file of this user (uid ${uid}); remove it`,
    );
  }
  return fd;
}

async function lockWithFlock(real: string): Promise<DataDirLock> {
  const file = lockFileOf(real);
  const fd = openLockFile(file);
  let locked: boolean;
  try {
    locked = flockDescriptor(fd, file);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  if (!locked) {
    closeSync(fd);
    throw new DataDirInUseError(real, await holderPid(file));
  }
  ftruncateSync(fd, 0);
  writeSync(fd, `${process.pid}\n`, 0);
  let released: Promise<void> | null = null;
  return {
    folder: real,
    address: file,
    release: () =>
      (released ??= Promise.resolve().then(() => {
        // Emptied first, so no reader takes our pid for a live holder's; never unlinked: a
        // second supervisor may have the file open, and one that locks a removed file while
        // a third locks its replacement would make two holders.
        try {
          ftruncateSync(fd, 0);
        } finally {
          closeSync(fd);
        }
      })),
  };
}

/** Listens on `address`; null when another process listens there already. */
function listenOnce(address: string): Promise<Server | null> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(null) : reject(err)));
    server.listen(address, () => {
      server.removeAllListeners('error');
      server.on('error', () => undefined); // once listening, nothing here may end the supervisor
      server.unref(); // the lock lives as long as the process; it never keeps it alive
      resolve(server);
    });
  });
}

async function lockWithPipe(real: string): Promise<DataDirLock> {
  const address = windowsLockPipe(real);
  const server = await listenOnce(address);
  if (!server) throw new DataDirInUseError(real, null);
  let released: Promise<void> | null = null;
  return {
    folder: real,
    address,
    release: () => (released ??= new Promise<void>((resolve) => server.close(() => resolve()))),
  };
}

/**
 * Takes the lock on `folder` (it must exist). First checks that the folder is private to
 * this user (assertPrivateFolder): the lock, the tokens and the settings (which name the
 * command to run) are only as safe as the folder.
 * @throws DataDirInUseError naming the folder and the holder's pid when another supervisor
 * holds it; FolderError when the folder is another user's or writable by others;
 * ConfigError when the lock cannot be taken at all (no flock helper, a foreign lock file).
 */
export async function lockDataDir(folder: string, platform: NodeJS.Platform = process.platform): Promise<DataDirLock> {
  const real = realpathSync(folder);
  assertPrivateFolder(real, 'data folder');
  return platform === 'win32' ? lockWithPipe(real) : lockWithFlock(real);
}
