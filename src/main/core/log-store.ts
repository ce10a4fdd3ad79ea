import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { LogLine, LogStream } from '../../shared/status';
import { frameLines, type DiskStream } from './log-format';
import type { LogFile } from './log-file';
import { LogRing } from './log-ring';
import type { LineBatch } from './line-splitter';

/** Where lines go besides memory: the backend's output file and the supervisor's event log. */
export interface LogSinks {
  /** Backend stdout/stderr as text lines `<time> <out|err> <text>` (rotating; see log-format.ts). */
  backendFile?: Pick<LogFile, 'writeText' | 'backpressured' | 'dropped' | 'on'>;
  /** Supervisor events, structured (pino, JSON lines, its own rotating file). */
  events?: Logger;
}

/**
 * Log lines that came together (one chunk read from a pipe, or one line the supervisor
 * added), in one event: `count` lines from `seq` on, read at `ts`, their text UTF-8 joined
 * by `\n` in `bytes` (with `count` 1 it is one line, which may hold a `\n` of its own).
 */
export interface LogLines {
  seq: number;
  count: number;
  ts: string;
  stream: LogStream;
  bytes: Buffer;
  service?: string;
}

/**
 * Every log line the dashboard sees: the backend's stdout/stderr and the supervisor's
 * own events. Lines get a sequence number and a timestamp, go into a bounded ring buffer
 * (`capacity` lines, held compactly: see {@link LogRing}), to disk through the sinks, and
 * out as a `lines` event per batch and a `line` event per line (built only while someone
 * listens). The backend's output comes in
 * batches (a chunk read from its pipe: {@link appendBatch}), framed and written in one go.
 * `backpressured` is true while the backend file's writer is full: the supervisor then
 * pauses reading the child's output until `drain`, so nothing is lost and memory stays
 * bounded (the child blocks on its full pipe).
 */
export class LogStore extends EventEmitter<{ line: [LogLine]; lines: [LogLines]; drain: [] }> {
  private readonly ring: LogRing;
  /** The last batch's time and its ISO text: a flood's chunks often share a millisecond. */
  private lastTs = Number.NaN;
  private lastIso = '';

  /**
   * @param service the service whose log this is: stamped on every line (and on its
   *   supervisor events), so a stack's logs can be told apart; undefined: unstamped.
   * @param firstSeq the `seq` of its first line: where an earlier log of the same service
   *   stopped (a service removed and added again), so a view of it never sees `seq` go back.
   */
  constructor(
    capacity: number,
    private readonly sinks: LogSinks = {},
    private readonly now: () => Date = () => new Date(),
    readonly service?: string,
    firstSeq = 0,
  ) {
    super();
    this.ring = new LogRing(capacity, undefined, firstSeq);
    sinks.backendFile?.on('drain', () => this.emit('drain'));
    // A disk error is counted in `droppedLines`; it must not become an uncaught 'error'.
    sinks.backendFile?.on('error', (err: Error) =>
      this.append('supervisor', `backend log file: ${err.message}; dropping lines until it can be reopened`),
    );
  }

  /** The sequence number the next line will get. */
  get nextSeq(): number {
    return this.ring.nextSeq;
  }

  /** Lines the in-memory buffer holds at most. */
  get capacity(): number {
    return this.ring.capacity;
  }

  /**
   * Holds the newest `capacity` lines from now on (a reload that changed LOG_BUFFER_LINES):
   * fewer drops the oldest held at once, more keeps them; `seq` goes on, the file is untouched.
   * @throws RangeError when capacity is not a positive integer.
   */
  resize(capacity: number): void {
    this.ring.resize(capacity);
  }

  /** True while the backend log file cannot take more without waiting. */
  get backpressured(): boolean {
    return this.sinks.backendFile?.backpressured ?? false;
  }

  /** Backend lines the disk refused (full disk, I/O error). */
  get droppedLines(): number {
    return this.sinks.backendFile?.dropped ?? 0;
  }

  /** Records one line and returns it (`text` is one line; a newline in it is kept in memory, and starts a new line on disk). */
  append(stream: LogStream, text: string): LogLine {
    const ts = this.now().getTime();
    const seq = this.ring.push(stream, ts, text, 1);
    const line: LogLine = { seq, ts: this.iso(ts), stream, text };
    if (this.service !== undefined) line.service = this.service;
    if (stream === 'supervisor') {
      this.sinks.events?.info(this.service === undefined ? { seq } : { seq, service: this.service }, text);
    } else {
      const latin1 = Buffer.from(text).toString('latin1');
      this.sinks.backendFile?.writeText(frameLines(line.ts, stream, latin1), 'latin1', 1);
    }
    if (this.listenerCount('lines') > 0) this.emitLines(seq, 1, line.ts, stream, Buffer.from(text));
    this.emit('line', line);
    return line;
  }

  /**
   * Records a batch of the backend's lines read together (one chunk of its pipe): one
   * timestamp, one block in memory, one write to disk; a `line` event per line only while
   * someone listens.
   */
  appendBatch(stream: DiskStream, batch: LineBatch): void {
    const ts = this.now().getTime();
    const seq = this.ring.push(stream, ts, batch.bytes, batch.count);
    const iso = this.iso(ts);
    this.sinks.backendFile?.writeText(frameLines(iso, stream, batch.latin1), 'latin1', batch.count);
    this.emitLines(seq, batch.count, iso, stream, batch.bytes);
    if (this.listenerCount('line') === 0) return;
    const texts = batch.count === 1 ? [batch.bytes.toString('utf8')] : batch.bytes.toString('utf8').split('\n');
    for (let k = 0; k < batch.count; k++) {
      const line: LogLine = { seq: seq + k, ts: iso, stream, text: texts[k] as string };
      if (this.service !== undefined) line.service = this.service;
      this.emit('line', line);
    }
  }

  /**
   * The newest `limit` lines (all held when omitted) with `seq` below `before` (any when
   * omitted), oldest first: a page of older lines when `before` is the oldest `seq` read.
   */
  tail(limit?: number, before?: number): LogLine[] {
    return this.ring.tail(limit, this.service, before);
  }

  private emitLines(seq: number, count: number, ts: string, stream: LogStream, bytes: Buffer): void {
    const lines: LogLines = { seq, count, ts, stream, bytes };
    if (this.service !== undefined) lines.service = this.service;
    this.emit('lines', lines);
  }

  private iso(ts: number): string {
    if (ts !== this.lastTs) {
      this.lastTs = ts;
      this.lastIso = new Date(ts).toISOString();
    }
    return this.lastIso;
  }
}
