import { EventEmitter } from 'node:events';
import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { AppendFile } from './append-file';
import { LogCompressor } from './log-compressor';
import { makeFolder } from './writable-folder';

/**
 * Bytes the file may hold not yet written before the caller is told to wait
 * (`backpressured`): room for a few chunks while one write is under way or a rotation
 * compresses the last file, so reading goes on meanwhile; small enough that a flood does
 * not grow memory.
 */
const MAX_QUEUED_BYTES = 512 * 1024;
/**
 * Size of the buffers text is copied into before it is written. They are reused (a flood
 * allocates none per chunk), and what comes while a write is under way goes out together
 * in the next one.
 */
const SLAB_BYTES = 256 * 1024;
/** Slabs kept for reuse (the writer needs at most about MAX_QUEUED_BYTES / SLAB_BYTES + 1). */
const SPARE_SLABS = 3;

/** A buffer of text to write: `bytes` of it filled, holding `lines` lines. */
interface Slab {
  buf: Buffer;
  bytes: number;
  lines: number;
}

/** Rotation settings: rotate at `maxBytes`, keep `files` rotated files (`name.1.gz` … `name.N.gz`). */
export interface LogFileOptions {
  path: string;
  maxBytes: number;
  files: number;
  /** Wait before reopening after a write error (disk full), ms. */
  reopenDelayMs?: number;
}

/**
 * A rotating log file that never throws and never blocks the supervisor. It rotates at
 * `maxBytes` ({@link AppendFile}, which renames the full file: writing goes on at once)
 * and keeps `files` rotated files gzip-compressed in the background (`name.1.gz` the
 * newest … `name.N.gz`, logrotate's naming; see {@link LogCompressor}, which also takes the
 * uncompressed `name.N` an older version left). A write answers false when enough is
 * queued (the caller pauses its source until `drain`: backpressure, no line lost); a write
 * error such as ENOSPC drops lines (counted in `dropped`, reason in `lastError`) and the
 * file is reopened after `reopenDelayMs`. Every line taken is either on disk, whole, or
 * counted in `dropped` (a partial write's torn line is cut off again: see AppendFile).
 */
export class LogFile extends EventEmitter<{ drain: []; error: [Error] }> {
  private stream: AppendFile | null = null;
  private broken = false;
  private reopenTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Single lines (`write`), batched into one write per turn of the event loop. */
  private pending: string[] = [];
  private flushScheduled = false;
  /** The slab being filled, then those full and waiting for the write under way to end. */
  private filling: Slab | null = null;
  private ready: Slab[] = [];
  /** The slab being written (null: no write under way). */
  private writing: Slab | null = null;
  private spare: Buffer[] = [];
  /** Bytes taken and not yet written. */
  private unwritten = 0;
  /** A caller was told to wait: `drain` is owed once the bytes not yet written are below the mark. */
  private owesDrain = false;
  /** Set by {@link close}: called once the last slab is written. */
  private onIdle: (() => void) | null = null;
  /** Lines dropped because the disk refused them. */
  dropped = 0;
  lastError: string | null = null;

  private compressor: LogCompressor;
  /**
   * Compressors of the paths a {@link reconfigure} left, by path: they finish their files,
   * stopped at {@link close}. A move back to one takes its compressor again: two on one path
   * would share its `name.1.gz.tmp` and shift its numbered files at once (one's compressed
   * file renamed over the other's, a pending file compressed twice).
   */
  private readonly retired = new Map<string, LogCompressor>();
  /** Options a {@link reconfigure} gave, taken between two writes. */
  private next: LogFileOptions | null = null;

  constructor(private options: LogFileOptions) {
    super();
    this.compressor = this.compressorOf(options);
    this.open();
  }

  /** The file written now (a {@link reconfigure} may have moved it). */
  get path(): string {
    return (this.next ?? this.options).path;
  }

  /**
   * Writes to `options.path`, rotating at `options.maxBytes` and keeping `options.files`
   * (a reload that changed LOG_DIR, LOG_FILE_MAX_MB or LOG_FILE_COUNT). Taken once the
   * write under way, if any, has ended: what was written stays in the old file, what waits
   * goes to the new one (nothing lost, nothing written twice). The old file and its rotated
   * ones stay where they are; a lower count removes the compressed files past it at once.
   * Never throws (a new folder that cannot be made is a write error: lines dropped, retried).
   */
  reconfigure(options: LogFileOptions): void {
    if (this.closed) return;
    this.next = { ...options };
    if (!this.writing) this.takeOptions();
  }

  private compressorOf(options: LogFileOptions): LogCompressor {
    return new LogCompressor(options.path, options.files, (err) => (this.lastError = err.message));
  }

  /** Swaps to the options {@link reconfigure} gave (no write is under way). */
  private takeOptions(): void {
    const next = this.next;
    if (!next) return;
    this.next = null;
    const before = this.options;
    this.options = next;
    // A link to the folder it is in, or another spelling of it, is the same folder: its
    // compressor stays (a second one there would race the first over its files).
    const from = fileIdentity(before.path);
    const to = fileIdentity(next.path);
    if (to !== from) {
      this.retired.set(from, this.compressor);
      const back = this.retired.get(to);
      this.retired.delete(to);
      this.compressor = back ?? this.compressorOf(next);
      if (back) back.retain(next.files);
    } else if (next.files !== before.files) {
      this.compressor.retain(next.files);
    }
    if (next.path === before.path && next.maxBytes === before.maxBytes) return;
    // Broken: the reopen timer opens the new file.
    if (this.broken || !this.stream) return;
    const stream = this.stream;
    this.stream = null;
    stream.close();
    this.open();
  }

  /** True while {@link MAX_QUEUED_BYTES} or more are not yet written. */
  get backpressured(): boolean {
    return this.unwritten >= MAX_QUEUED_BYTES;
  }

  /**
   * Appends `lines` lines: `parts` written one after the other in `encoding`, each line
   * ended by a newline (a batch read from a pipe, framed). Copied into a slab and written at
   * once when no write is under way, else with what else comes meanwhile in the next one.
   * Returns false when the caller should wait for `drain`.
   */
  writeText(parts: readonly string[], encoding: 'latin1' | 'utf8', lines: number): boolean {
    if (this.closed) return true;
    if (this.broken || !this.stream) {
      this.dropped += lines;
      return true;
    }
    let bytes = 0;
    for (const part of parts) bytes += encoding === 'latin1' ? part.length : Buffer.byteLength(part, encoding);
    if (this.filling && this.filling.buf.length - this.filling.bytes < bytes) this.seal();
    if (bytes > SLAB_BYTES) {
      this.ready.push({ buf: Buffer.from(parts.join(''), encoding), bytes, lines });
    } else {
      const slab = (this.filling ??= { buf: this.spare.pop() ?? Buffer.allocUnsafe(SLAB_BYTES), bytes: 0, lines: 0 });
      for (const part of parts) slab.bytes += slab.buf.write(part, slab.bytes, encoding);
      slab.lines += lines;
    }
    this.unwritten += bytes;
    if (!this.writing) this.writeNext();
    if (!this.backpressured) return true;
    this.owesDrain = true;
    return false;
  }

  /** Moves the slab being filled to the ready ones. */
  private seal(): void {
    if (this.filling && this.filling.bytes > 0) this.ready.push(this.filling);
    this.filling = null;
  }

  /** Hands the next slab (or what is being filled) to the file. */
  private writeNext(): void {
    const stream = this.stream;
    if (!stream) return this.idle();
    if (this.ready.length === 0) this.seal();
    const slab = this.ready.shift();
    if (!slab) return this.idle();
    this.writing = slab;
    const buf = slab.buf.subarray(0, slab.bytes);
    stream.write(buf, (err, kept) => {
      this.writing = null;
      this.unwritten -= slab.bytes;
      if (slab.buf.length === SLAB_BYTES && this.spare.length < SPARE_SLABS) this.spare.push(slab.buf);
      if (err) {
        this.dropped += Math.min(slab.lines, linesIn(buf, kept));
        this.fail(err);
        this.takeOptions();
        return;
      }
      this.takeOptions();
      this.writeNext();
      if (this.owesDrain && !this.backpressured) {
        this.owesDrain = false;
        this.emit('drain');
      }
    });
  }

  /** Nothing left to write: a waiting {@link close} goes on. */
  private idle(): void {
    const onIdle = this.onIdle;
    this.onIdle = null;
    onIdle?.();
  }

  /**
   * Appends one line (a trailing newline is added). Such lines are batched (one write per
   * turn of the event loop): a write per line costs more than the line.
   */
  write(line: string): boolean {
    if (this.closed) return true;
    if (this.broken || !this.stream) {
      this.dropped++;
      return true;
    }
    this.pending.push(line);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return !this.backpressured;
  }

  /** Writes the batched single lines now. */
  private flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const lines = this.pending.length;
    const text = this.pending.join('\n') + '\n';
    this.pending = [];
    this.writeText([text], 'utf8', lines);
  }

  /** Writes what was taken, then closes. Never throws. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.seal();
    this.closed = true;
    if (this.reopenTimer) clearTimeout(this.reopenTimer);
    // Everything taken, after the write under way if any.
    if (this.stream && (this.writing || this.ready.length > 0)) {
      await new Promise<void>((resolve) => {
        this.onIdle = resolve;
        if (!this.writing) this.writeNext();
      });
    }
    const stream = this.stream;
    this.stream = null;
    if (stream) await new Promise<void>((resolve) => stream.close(resolve));
    // The file being compressed is finished; any other waits, pending, for the next start.
    await Promise.all([this.compressor, ...this.retired.values()].map((c) => c.stop()));
  }

  private open(): void {
    try {
      // Not a recursive mkdirSync: it never returns under /proc (see makeFolder).
      makeFolder(dirname(this.options.path));
      // Before the rotation can reuse `name.1`.
      this.compressor.adoptLeftovers();
      // Its own compressor: a file rotated after a reconfigure moved the log stays with its folder's.
      const compressor = this.compressor;
      this.stream = new AppendFile(this.options.path, this.options.maxBytes, (rotated) => compressor.add(rotated));
      this.broken = false;
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private fail(err: Error): void {
    this.lastError = `${this.options.path}: ${err.message}`;
    const wasBroken = this.broken;
    this.broken = true;
    this.stream?.close();
    this.stream = null;
    this.seal();
    for (const slab of this.ready.splice(0)) this.dropped += slab.lines;
    this.writing = null;
    this.unwritten = 0;
    this.owesDrain = false;
    // Writers waiting for drain must not wait forever: lines are now dropped instead.
    this.emit('drain');
    if (!wasBroken) this.emit('error', err);
    this.idle();
    if (this.closed || this.reopenTimer) return;
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = null;
      if (!this.closed) this.open();
    }, this.options.reopenDelayMs ?? 5_000);
    this.reopenTimer.unref();
  }
}

/** Lines in `buf` past its first `kept` bytes: those that did not reach the disk. */
function linesIn(buf: Buffer, kept: number): number {
  let lines = 0;
  for (let at = buf.indexOf(0x0a, kept); at !== -1; at = buf.indexOf(0x0a, at + 1)) lines++;
  return lines;
}

/**
 * What names the file at `path` whatever the spelling: its folder's real path (links
 * followed) and its name; the path made absolute when the folder does not exist yet.
 */
function fileIdentity(path: string): string {
  try {
    return join(realpathSync(dirname(path)), basename(path));
  } catch {
    return resolve(path);
  }
}
