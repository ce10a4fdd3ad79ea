import { EventEmitter } from 'node:events';
import type { LogLine, LogStream } from '../../shared/status';
import { RingBuffer } from './ring-buffer';

/**
 * Every log line the dashboard sees: the backend's stdout/stderr and the supervisor's
 * own events. Lines get a sequence number and a timestamp, go into a bounded ring buffer
 * (`capacity` lines) and are emitted as `line` events.
 */
export class LogStore extends EventEmitter<{ line: [LogLine] }> {
  private readonly buffer: RingBuffer<LogLine>;
  private seq = 0;

  constructor(
    capacity: number,
    private readonly now: () => Date = () => new Date(),
  ) {
    super();
    this.buffer = new RingBuffer<LogLine>(capacity);
  }

  /** The sequence number the next line will get. */
  get nextSeq(): number {
    return this.seq;
  }

  /** Records one line and returns it. */
  append(stream: LogStream, text: string): LogLine {
    const line: LogLine = { seq: this.seq++, ts: this.now().toISOString(), stream, text };
    this.buffer.push(line);
    this.emit('line', line);
    return line;
  }

  /** The newest `limit` lines (all held when omitted), oldest first. */
  tail(limit?: number): LogLine[] {
    return this.buffer.toArray(limit);
  }
}
