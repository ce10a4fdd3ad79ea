import { createWriteStream, existsSync, linkSync, lstatSync, readdirSync, renameSync, unlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/** The compressed rotated file number `n` of the log at `path` (1: the newest). */
export function rotatedName(path: string, n: number): string {
  return `${path}.${n}.gz`;
}

/** What a rotated file waiting for its compression is called: `<name>.pending-<stamp>` (stamps sort in rotation order). */
export const PENDING_INFIX = '.pending-';

/**
 * zlib's fastest level: a flood rotates a 10 MiB file every few tenths of a second, and a
 * level-6 compression of it takes several times as long as level 1 for files a sixth to a
 * third larger (text logs still shrink 3 to 12 times).
 */
const COMPRESSION_LEVEL = 1;

/** Bytes read at a time from a file being compressed: few turns of the event loop per file. */
const READ_BYTES = 1024 * 1024;

/**
 * Compresses a log's rotated files in the background and keeps the newest `files` of them,
 * `name.1.gz` (the newest) … `name.N.gz`. The rotation itself (append-file.ts, with
 * no compression of its own) only renames the full file, so writing goes on at once; the
 * rotated file is renamed to `name.pending-<stamp>` here (synchronously, before the next
 * rotation can reuse its name), then gzip-compressed (zlib, in the thread pool), and the
 * numbered ones shift by one as logrotate does. One file at a time, oldest first.
 *
 * A pending file is plain text until then, and readers read it (log-reader.ts). When more
 * than `files` wait (a flood faster than compression), the oldest go, as retention would
 * have dropped them. Errors never throw: they go to `warn`, and the file stays pending
 * (compressed at the next start).
 */
export class LogCompressor {
  private readonly queue: string[] = [];
  private running: Promise<void> | null = null;
  private stopped = false;
  private counter = 0;
  private readBuffer: Buffer | null = null;
  /** The pending file being compressed (out of the queue meanwhile). */
  private current: string | null = null;

  constructor(
    private readonly path: string,
    private files: number,
    private readonly warn: (err: Error) => void,
  ) {}

  /**
   * Keeps `files` compressed files from now on (a reload that changed LOG_FILE_COUNT): fewer
   * removes those numbered past it at once, and pending ones beyond it go at the next turn.
   */
  retain(files: number): void {
    this.files = files;
    this.adoptLeftovers();
  }

  /**
   * Takes what an earlier run left, oldest first (by modification time): plain rotated files
   * (`name.N`, from a version that did not compress, or a rotation cut short) and pending
   * ones; removes half-written compressed files, and compressed ones numbered past `files`.
   * Renames only (synchronous): call it before the rotation starts, which reuses `name.1`.
   */
  adoptLeftovers(): void {
    const dir = dirname(this.path);
    const name = basename(this.path);
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    const found: { file: string; mtime: number; n: number; plain: boolean }[] = [];
    for (const entry of entries) {
      if (!entry.startsWith(`${name}.`)) continue;
      const rest = entry.slice(name.length + 1);
      const file = join(dir, entry);
      if (rest.endsWith('.gz.tmp')) {
        // Not the one being written: a log file reopened after an error adopts again.
        if (!this.running) this.tryUnlink(file);
        continue;
      }
      // Already taken (queued, or being compressed): taken twice, it would count twice
      // against retention, and the oldest pending files would be deleted early.
      if (file === this.current || this.queue.includes(file)) continue;
      // Past the count (it was lowered since): retention, which rotation alone never reaches.
      const gz = /^(\d+)\.gz$/.exec(rest);
      if (gz && Number(gz[1]) > this.files) {
        this.tryUnlink(file);
        continue;
      }
      const plain = /^\d+$/.test(rest);
      if (!plain && !entry.startsWith(`${name}${PENDING_INFIX}`)) continue;
      const mtime = fileMtime(file);
      if (mtime !== null) found.push({ file, mtime, n: plain ? Number(rest) : 0, plain });
    }
    found.sort((a, b) => a.mtime - b.mtime || b.n - a.n);
    for (const f of found) {
      if (f.plain) this.add(f.file, f.mtime);
      else this.queue.push(f.file);
    }
    this.kick();
  }

  /**
   * Takes a rotated file (the one the rotation just made, `name.1`): renamed to a pending
   * name now, compressed soon. `at` orders it among the pending ones (ms; default now).
   */
  add(rotated: string, at = Date.now()): void {
    let pending: string;
    for (;;) {
      const stamp = `${String(Math.max(0, Math.floor(at))).padStart(13, '0')}-${String(this.counter++).padStart(6, '0')}`;
      pending = `${this.path}${PENDING_INFIX}${stamp}`;
      try {
        // A link, not a rename: it never replaces a pending file of the same stamp (another
        // compressor's, or an earlier run's), which a rename would silently delete.
        linkHere(rotated, pending);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
        this.warn(new Error(`cannot set the rotated log ${rotated} aside: ${(err as Error).message}`));
        return;
      }
    }
    this.queue.push(pending);
    this.kick();
  }

  /** Resolves once the file being compressed is done; starts no other. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private kick(): void {
    if (this.running || this.stopped) return;
    this.running = this.drainQueue().finally(() => {
      this.running = null;
      // A file added after the loop saw an empty queue, before this ran.
      if (this.queue.length > 0) this.kick();
    });
  }

  private async drainQueue(): Promise<void> {
    while (!this.stopped) {
      // Beyond retention: what rotation would have dropped anyway.
      while (this.queue.length > this.files) this.tryUnlink(this.queue.shift() as string);
      const next = this.queue.shift();
      if (next === undefined) return;
      this.current = next;
      try {
        await this.compress(next);
      } finally {
        this.current = null;
      }
    }
  }

  private async compress(pending: string): Promise<void> {
    const tmp = `${rotatedName(this.path, 1)}.tmp`;
    try {
      await this.gzipFile(pending, tmp);
      // Synchronous from here: no rotation runs between the shift and the rename.
      this.tryUnlink(rotatedName(this.path, this.files));
      for (let n = this.files - 1; n >= 1; n--) {
        try {
          renameSync(rotatedName(this.path, n), rotatedName(this.path, n + 1));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }
      renameSync(tmp, rotatedName(this.path, 1));
      unlinkSync(pending);
    } catch (err) {
      this.tryUnlink(tmp);
      this.warn(new Error(`cannot compress the rotated log ${pending}: ${(err as Error).message}`));
    }
  }

  /**
   * Compresses `from` into `to` through one reused read buffer: the 10 MiB of a rotated
   * file would otherwise be that many fresh buffers, left for the garbage collector.
   */
  private async gzipFile(from: string, to: string): Promise<void> {
    const input = await open(from, 'r');
    try {
      // Created anew, exclusively ('wx'): a link or FIFO planted at `to` is refused (EEXIST),
      // never written through or waited on. Flushed (fsync) before it closes: on disk before
      // the source is deleted, so that a crash cannot leave an empty `.gz` in its place.
      this.tryUnlink(to);
      const gzip = createGzip({ level: COMPRESSION_LEVEL });
      const written = pipeline(gzip, createWriteStream(to, { flags: 'wx', mode: 0o600, flush: true }));
      // A failed write (ENOSPC) ends the pipeline, and zlib then never calls back for the
      // chunk it holds: each wait is also a wait for that failure, else it waits forever.
      written.catch(() => {});
      this.readBuffer ??= Buffer.allocUnsafe(READ_BYTES);
      const buffer = this.readBuffer;
      for (;;) {
        const { bytesRead } = await input.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        // Its callback comes once zlib has taken all of it: then the buffer is free again.
        const taken = new Promise<void>((resolve, reject) =>
          gzip.write(buffer.subarray(0, bytesRead), (err) => (err ? reject(err) : resolve())),
        );
        taken.catch(() => {});
        await Promise.race([taken, written]);
      }
      gzip.end();
      await written;
    } finally {
      await input.close();
    }
  }

  private tryUnlink(file: string): void {
    try {
      unlinkSync(file);
    } catch {
      // gone already
    }
  }
}

/** The modification time of a regular file (not followed if a link), ms; null for anything else. */
function fileMtime(path: string): number | null {
  try {
    const stat = lstatSync(path);
    return stat.isFile() ? stat.mtimeMs : null;
  } catch {
    return null;
  }
}

/**
 * Moves `from` to `to` unless `to` exists (EEXIST then): a hard link and an unlink, or,
 * where the file system has no hard links (EPERM, ENOTSUP), a rename after a check.
 */
function linkHere(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
    if (existsSync(to)) throw Object.assign(new Error(`${to} exists`), { code: 'EEXIST' });
    renameSync(from, to);
    return;
  }
  unlinkSync(from);
}
