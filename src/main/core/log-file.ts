import { EventEmitter } from 'node:events';
import { basename, dirname } from 'node:path';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';
import { makeFolder } from './writable-folder';

/** Bytes of batched lines that trigger a write. */
const BATCH_BYTES = 64 * 1024;

/** Rotation settings: rotate at `maxBytes`, keep `files` rotated files (`name.1` … `name.N`). */
export interface LogFileOptions {
  path: string;
  maxBytes: number;
  files: number;
  /** Wait before reopening after a write error (disk full), ms. */
  reopenDelayMs?: number;
}

/**
 * A rotating log file (rotating-file-stream, classic logrotate naming) that never throws
 * and never blocks the supervisor: `write` answers false when the writer's buffer is full
 * (the caller pauses its source until `drain`: backpressure, no line lost), and a write
 * error such as ENOSPC drops lines (counted in `dropped`, reason in `lastError`) and the
 * file is reopened after `reopenDelayMs`.
 */
export class LogFile extends EventEmitter<{ drain: []; error: [Error] }> {
  private stream: RotatingFileStream | null = null;
  private broken = false;
  private reopenTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private pending: string[] = [];
  private pendingLines = 0;
  private pendingBytes = 0;
  private flushScheduled = false;
  /** Lines dropped because the disk refused them. */
  dropped = 0;
  lastError: string | null = null;

  constructor(private readonly options: LogFileOptions) {
    super();
    this.open();
  }

  /** True while the writer's buffer is above its high-water mark. */
  get backpressured(): boolean {
    return (this.stream?.writableNeedDrain ?? false) || this.pendingBytes >= BATCH_BYTES;
  }

  /**
   * Appends one line (a trailing newline is added). Lines are batched (one write per
   * 64 KiB or per turn of the event loop), since a write per line costs more than the line.
   * Returns false when the caller should wait for `drain` before writing more.
   */
  write(line: string): boolean {
    if (this.closed) return true;
    if (this.broken || !this.stream) {
      this.dropped++;
      return true;
    }
    this.pending.push(line);
    this.pendingLines++;
    this.pendingBytes += line.length + 1;
    if (this.pendingBytes >= BATCH_BYTES) return this.flush();
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return true;
  }

  /** Writes the batched lines now. */
  private flush(): boolean {
    this.flushScheduled = false;
    if (this.pending.length === 0) return !this.backpressured;
    const text = this.pending.join('\n') + '\n';
    const lines = this.pendingLines;
    this.pending = [];
    this.pendingLines = 0;
    this.pendingBytes = 0;
    if (this.broken || !this.stream) {
      this.dropped += lines;
      return true;
    }
    return this.stream.write(text, (err) => {
      if (err) this.dropped += lines;
    });
  }

  /** Flushes and closes. */
  async close(): Promise<void> {
    this.flush();
    this.closed = true;
    if (this.reopenTimer) clearTimeout(this.reopenTimer);
    const stream = this.stream;
    this.stream = null;
    if (!stream || this.broken) return;
    await new Promise<void>((resolve) => stream.end(() => resolve()));
  }

  private open(): void {
    try {
      // Not a recursive mkdirSync: it never returns under /proc (see makeFolder).
      makeFolder(dirname(this.options.path));
      const stream = createStream(basename(this.options.path), {
        path: dirname(this.options.path),
        size: `${Math.max(1, Math.floor(this.options.maxBytes / 1024))}K`,
        rotate: this.options.files,
        mode: 0o600,
      });
      stream.on('drain', () => this.emit('drain'));
      stream.on('error', (err) => this.fail(err));
      stream.on('warning', (err: Error) => (this.lastError = err.message));
      this.stream = stream;
      this.broken = false;
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private fail(err: Error): void {
    this.lastError = `${this.options.path}: ${err.message}`;
    const wasBroken = this.broken;
    this.broken = true;
    this.stream = null;
    // Writers waiting for drain must not wait forever: lines are now dropped instead.
    this.emit('drain');
    if (!wasBroken) this.emit('error', err);
    if (this.closed || this.reopenTimer) return;
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = null;
      if (!this.closed) this.open();
    }, this.options.reopenDelayMs ?? 5_000);
    this.reopenTimer.unref();
  }
}
