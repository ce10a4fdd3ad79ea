/** One dispatched server-sent event. */
export interface SseFrame {
  /** The event name (`event:` field), `message` when the frame named none. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /** The last event id seen so far (`id:` field, which persists across frames), or `''`. */
  id: string;
}

/**
 * An incremental parser of a `text/event-stream` body, after the WHATWG HTML "event
 * stream interpretation" rules: lines end in CRLF, LF or CR; `:` starts a comment (the
 * server's heartbeats); a blank line dispatches the frame; a frame with no `data` is
 * dropped; a leading BOM is ignored. Chunks may split anywhere (inside a line, between CR
 * and LF); feed decoded text as it arrives with {@link push}.
 */
export class SseParser {
  private buffer = '';
  private started = false;
  /** The previous chunk ended in CR: a LF at the start of the next one belongs to it. */
  private pendingCr = false;
  private eventName = '';
  private dataLines: string[] = [];
  private lastId = '';
  /** The last valid `retry:` value in ms, or undefined if none was sent. */
  retryMs: number | undefined;

  /**
   * @param maxLineLength longest unfinished line kept, in characters; beyond it {@link push}
   *   throws, so a server that never ends a line cannot exhaust memory.
   */
  constructor(private readonly maxLineLength = 4 * 1024 * 1024) {}

  /**
   * Feeds a chunk of decoded text; returns the frames it completed, in order.
   * @throws Error when an unfinished line grows past `maxLineLength`.
   */
  push(chunk: string): SseFrame[] {
    let text = chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (text.length === 0) return [];
    if (this.pendingCr && text.charCodeAt(0) === 10) text = text.slice(1);
    this.pendingCr = false;
    // Only the new text can hold line ends: the old buffer is one unfinished line.
    const scan = this.buffer.length;
    this.buffer += text;

    const frames: SseFrame[] = [];
    const buf = this.buffer;
    let start = 0;
    for (let i = scan; i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      const frame = this.line(buf.slice(start, i));
      if (frame) frames.push(frame);
      if (c === 13) {
        if (i + 1 < buf.length) {
          if (buf.charCodeAt(i + 1) === 10) i++;
        } else {
          // A CR at the very end: the LF of a CRLF may come with the next chunk.
          this.pendingCr = true;
        }
      }
      start = i + 1;
    }
    this.buffer = buf.slice(start);
    if (this.buffer.length > this.maxLineLength) {
      throw new Error(`Event stream line longer than ${this.maxLineLength} characters`);
    }
    return frames;
  }

  /**
   * Ends the stream: a frame not yet closed by a blank line is discarded (as the spec
   * says), and the parser is ready for a new stream. The last event id is kept.
   */
  reset(): void {
    this.buffer = '';
    this.started = false;
    this.pendingCr = false;
    this.eventName = '';
    this.dataLines = [];
  }

  private line(line: string): SseFrame | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventName = value;
        break;
      case 'data':
        this.dataLines.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.lastId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        // Unknown fields are ignored, per the spec.
        break;
    }
    return undefined;
  }

  private dispatch(): SseFrame | undefined {
    const name = this.eventName;
    const lines = this.dataLines;
    this.eventName = '';
    this.dataLines = [];
    if (lines.length === 0) return undefined;
    return { event: name || 'message', data: lines.join('\n'), id: this.lastId };
  }
}
