/**
 * Reads small files (a token, the control URL, the settings file, a cluster's PG_VERSION)
 * without hanging on them or taking the machine's memory: a FIFO nobody writes blocks a plain
 * read in open(2), where no signal handler runs (Ctrl-C and SIGTERM did nothing), and
 * /dev/zero never ends.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';

/** What {@link readSmallFile} may read besides a regular file. */
export interface SmallFileOptions {
  /** Most bytes read; a longer file is an error. */
  maxBytes: number;
  /**
   * Whether a pipe or a character device is read too (blocking until its writer ends): a
   * file the user named, such as `--token-file <(pass show token)`. A file the client finds
   * by itself in the data folder must be a regular file.
   */
  pipes?: boolean;
  /**
   * A symbolic link at `path` is refused (`not-regular`), not followed: a file in a folder
   * another user may write (the one PostgreSQL runs as), who could point it anywhere.
   */
  noFollow?: boolean;
}

/** Why {@link readSmallFile} refused a file that exists: not a regular file (nor an allowed pipe), or too long. */
export class SmallFileError extends Error {
  constructor(
    readonly path: string,
    readonly reason: 'not-regular' | 'too-large',
    /** The bound it passed, bytes (`too-large`). */
    readonly maxBytes: number,
  ) {
    super(reason === 'too-large' ? `${path} is larger than ${maxBytes} bytes` : `${path} is not a regular file`);
    this.name = 'SmallFileError';
  }
}

/**
 * The text (UTF-8) of the file at `path`, read whole.
 * @throws the open's own error (ENOENT, EACCES, EISDIR…); SmallFileError for a file that is
 * not a regular one (nor an allowed pipe) or is longer than `maxBytes`.
 */
export function readSmallFile(path: string, options: SmallFileOptions): string {
  const pipe = (stat: Stats): boolean => stat.isFIFO() || stat.isCharacterDevice() || stat.isSocket();
  // Its type before it is opened (opening a FIFO waits for a writer); the user's own pipe is
  // then read as it comes (blocking), as far as maxBytes. Opened once: a FIFO opened, closed
  // and opened again would lose what its writer wrote in between, and wait for ever.
  const named = options.noFollow === true ? lstatSync(path) : statSync(path);
  const reading = options.pipes === true && pipe(named);
  if (!reading && !named.isFile() && !named.isDirectory())
    throw new SmallFileError(path, 'not-regular', options.maxBytes);
  // O_NONBLOCK: a file swapped for a FIFO since the stat does not hang the open either (nor,
  // with noFollow, one swapped for a link: ELOOP).
  const flags =
    (reading ? constants.O_RDONLY : constants.O_RDONLY | constants.O_NONBLOCK) |
    (options.noFollow === true ? constants.O_NOFOLLOW : 0);
  const fd = openSync(path, flags);
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw Object.assign(new Error(`EISDIR: ${path} is a folder`), { code: 'EISDIR' });
    if (!stat.isFile() && !(reading && pipe(stat))) throw new SmallFileError(path, 'not-regular', options.maxBytes);
    if (stat.isFile() && stat.size > options.maxBytes) {
      throw new SmallFileError(path, 'too-large', options.maxBytes);
    }
    const buffer = Buffer.alloc(options.maxBytes + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > options.maxBytes) throw new SmallFileError(path, 'too-large', options.maxBytes);
    }
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
