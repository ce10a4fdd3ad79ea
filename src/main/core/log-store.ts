import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { LogLine, LogStream } from '../../shared/status';
import type { LogFile } from './log-file';
import { RingBuffer } from './ring-buffer';

/** Where lines go besides memory: the backend's output file and the supervisor's event log. */
export interface LogSinks {
  /** Backend stdout/stderr as JSON lines `{seq, ts, stream, text}` (rotating). */
  backendFile?: LogFile;
  /** Supervisor events, structured (pino, JSON lines, its own rotating file). */
  events?: Logger;
}

/**
 * Every log line the dashboard sees: the backend's stdout/stderr and the supervisor's
 * own events. Lines get a sequence number and a timestamp, go into a bounded ring buffer
 * (`capacity` lines), to disk through the sinks, and out as `line` events.
 * `backpressured` is true while the backend file's writer is full: the supervisor then
 * pauses reading the child's output until `drain`, so nothing is lost and memory stays
 * bounded (the child blocks on its full pipe).
 */
export class LogStore extends EventEmitter<{ line: [LogLine]; drain: [] }> {
  private readonly buffer: RingBuffer<LogLine>;
  private seq = 0;

  /**
   * @param service the service whose log this is: stamped on every line (and on its
   *   supervisor events), so a stack's logs can be told apart; undefined: unstamped.
   */
  constructor(
    capacity: number,
    private readonly sinks: LogSinks = {},
    private readonly now: () => Date = () => new Date(),
    readonly service?: string,
  ) {
    super();
    this.buffer = new RingBuffer<LogLine>(capacity);
    sinks.backendFile?.on('drain', () => this.emit('drain'));
    // A disk error is counted in `droppedLines`; it must not become an uncaught 'error'.
    sinks.backendFile?.on('error', (err) =>
      this.append('supervisor', `backend log file: ${err.message}; dropping lines until it can be reopened`),
    );
  }

  /** The sequence number the next line will get. */
  get nextSeq(): number {
    return this.seq;
  }

  /** True while the backend log file cannot take more without waiting. */
  get backpressured(): boolean {
    return this.sinks.backendFile?.backpressured ?? false;
  }

  /** Backend lines the disk refused (full disk, I/O error). */
  get droppedLines(): number {
    return this.sinks.backendFile?.dropped ?? 0;
  }

  /** Records one line and returns it. */
  append(stream: LogStream, text: string): LogLine {
    const line: LogLine = { seq: this.seq++, ts: this.now().toISOString(), stream, text };
    if (this.service !== undefined) line.service = this.service;
    this.buffer.push(line);
    if (stream === 'supervisor') {
      this.sinks.events?.info(
        this.service === undefined ? { seq: line.seq } : { seq: line.seq, service: this.service },
        text,
      );
    } else this.sinks.backendFile?.write(JSON.stringify(line));
    this.emit('line', line);
    return line;
  }

  /** The newest `limit` lines (all held when omitted), oldest first. */
  tail(limit?: number): LogLine[] {
    return this.buffer.toArray(limit);
  }
}
