/**
 * One supervisor per data folder. Two on one folder overwrite each other's pid file and run
 * two backends on one database, so the folder is locked at start, before anything is
 * written to it. The lock is a listening local socket named after the folder: the kernel
 * closes it when the process dies, even by SIGKILL, so there is no stale lock to detect (an
 * mtime-based lock file, as proper-lockfile keeps, would have to guess when its holder died).
 */
import { createHash } from 'node:crypto';
import { realpathSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './errors';

/**
 * How long a second supervisor waits for the holder to answer with its pid, ms. The holder
 * answers from its event loop within milliseconds; 2 s covers a loaded machine, and a holder
 * that does not answer at all (stopped with SIGSTOP) still holds the lock.
 */
export const LOCK_QUERY_TIMEOUT_MS = 2_000;

/**
 * Tries to take the lock, when the holder went away between a refused listen and the
 * query (it was stopping). Three covers a stop racing a start; more would be a loop.
 */
const LOCK_ATTEMPTS = 3;

/**
 * Longest path of a Unix socket file, bytes: `sun_path` is 104 bytes on macOS and the BSDs
 * (108 on Linux), with the terminating NUL. A folder path too long for it gets its socket in
 * the temporary folder instead, under the same hash.
 */
const MAX_SOCKET_PATH_BYTES = 103;

/** The data folder is locked by another supervisor, whose pid it answered (null: it did not answer in time). */
export class DataDirInUseError extends ConfigError {
  constructor(
    readonly folder: string,
    readonly pid: number | null,
  ) {
    super(
      `the data folder ${folder} is in use by another supervisor (${pid === null ? `pid unknown: it did not answer within ${LOCK_QUERY_TIMEOUT_MS / 1000} s` : `pid ${pid}`}); stop it or use another SUPERVISOR_DATA_DIR`,
    );
    this.name = 'DataDirInUseError';
  }
}

/** A held lock on a data folder. */
export interface DataDirLock {
  /** The folder (its real path). */
  readonly folder: string;
  /** The socket's address (an abstract name starts with a NUL). */
  readonly address: string;
  /** Gives the lock up (closes the socket). Idempotent. */
  release(): Promise<void>;
}

/**
 * The lock's socket address for a folder (given as its real path): on Linux an abstract
 * socket (`\0backend-supervisor-<hash>`, no file, gone with the process), on Windows a named
 * pipe, elsewhere a socket file `.supervisor.sock` in the folder (or, if that path is too
 * long for a socket, in the temporary folder). The hash is of the real path, so two
 * spellings of one folder (a symbolic link, `..`) get one lock.
 */
export function lockAddress(realFolder: string, platform: NodeJS.Platform = process.platform): string {
  const hash = createHash('sha256').update(realFolder).digest('hex').slice(0, 32);
  if (platform === 'linux') return `\0backend-supervisor-${hash}`;
  if (platform === 'win32') return `\\\\.\\pipe\\backend-supervisor-${hash}`;
  const inFolder = join(realFolder, '.supervisor.sock');
  return Buffer.byteLength(inFolder) <= MAX_SOCKET_PATH_BYTES
    ? inFolder
    : join(tmpdir(), `backend-supervisor-${hash}.sock`);
}

/** True for an address that is a file on disk (a stale one may be left by a killed holder). */
function isSocketFile(address: string): boolean {
  return !address.startsWith('\0') && !address.startsWith('\\\\.\\pipe\\');
}

/** Listens on `address`; null when another process listens there already. */
function listen(address: string): Promise<Server | null> {
  return new Promise((resolve, reject) => {
    // Every connection is a question "who holds it?": the answer is our pid, one line.
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.end(`${process.pid}\n`);
    });
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') resolve(null);
      else reject(err);
    });
    server.listen(address, () => {
      server.removeAllListeners('error');
      server.on('error', () => undefined); // once listening, nothing here may end the supervisor
      server.unref(); // the lock lives as long as the process; it never keeps it alive
      resolve(server);
    });
  });
}

/** Asks the holder of `address` for its pid: a number, null (no answer in time), or 'gone' (no one listens). */
function askHolder(address: string): Promise<number | null | 'gone'> {
  return new Promise((resolve) => {
    let text = '';
    const socket = createConnection(address);
    const done = (answer: number | null | 'gone'): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(null), LOCK_QUERY_TIMEOUT_MS);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('\n') || text.length > 32) {
        const pid = Number.parseInt(text, 10);
        done(Number.isSafeInteger(pid) && pid > 0 ? pid : null);
      }
    });
    socket.on('end', () => done(null));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      done(err.code === 'ECONNREFUSED' || err.code === 'ENOENT' ? 'gone' : null),
    );
  });
}

/**
 * Takes the lock on `folder` (it must exist: the lock is named after its real path).
 * @throws DataDirInUseError naming the folder and the holder's pid when another supervisor
 * holds it; the errno error when the socket cannot be made at all.
 */
export async function lockDataDir(folder: string): Promise<DataDirLock> {
  const real = realpathSync(folder);
  const address = lockAddress(real);
  for (let attempt = 1; ; attempt++) {
    const server = await listen(address);
    if (server) {
      let released: Promise<void> | null = null;
      return {
        folder: real,
        address,
        release: () =>
          (released ??= new Promise<void>((resolve) => server.close(() => resolve())).then(() => {
            if (isSocketFile(address)) unlinkQuietly(address);
          })),
      };
    }
    const holder = await askHolder(address);
    if (holder !== 'gone') throw new DataDirInUseError(real, holder);
    if (attempt >= LOCK_ATTEMPTS) throw new DataDirInUseError(real, null);
    // No one listens: a socket file left by a holder killed with SIGKILL (abstract sockets
    // and pipes vanish with their process), or the holder just stopped. Take it over.
    if (isSocketFile(address)) unlinkQuietly(address);
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
