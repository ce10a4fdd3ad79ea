import { StringDecoder } from 'node:string_decoder';

/** Marker appended to a line cut at the length cap. */
export const CUT_MARKER = ' …[cut]';

/**
 * Splits a byte stream into text lines: UTF-8 decoded (invalid bytes become U+FFFD),
 * `\n` or `\r\n` terminated, each line at most `maxLineChars` characters — a longer line
 * is emitted cut, with {@link CUT_MARKER}, and the rest of it up to the next newline is
 * dropped, so one endless line cannot grow memory.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private discarding = false;

  /**
   * @param onLine called once per complete line, without its terminator.
   * @param maxLineChars cap per line in UTF-16 code units (default 16 KiB).
   */
  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineChars = 16 * 1024,
  ) {}

  /** Feeds a chunk of bytes. */
  write(chunk: Buffer | string): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let from = 0;
    for (;;) {
      const nl = text.indexOf('\n', from);
      if (nl === -1) {
        this.append(text.slice(from));
        return;
      }
      this.append(text.slice(from, nl));
      this.flushLine();
      from = nl + 1;
    }
  }

  /** Emits what is left as a final line (stream ended without a newline). */
  end(): void {
    const rest = this.decoder.end();
    if (rest) this.append(rest);
    if (this.pending.length > 0 || this.discarding) this.flushLine();
  }

  private append(part: string): void {
    if (this.discarding || part.length === 0) return;
    this.pending += part;
    if (this.pending.length > this.maxLineChars) {
      this.onLine(this.pending.slice(0, this.maxLineChars) + CUT_MARKER);
      this.pending = '';
      this.discarding = true;
    }
  }

  private flushLine(): void {
    if (this.discarding) {
      this.discarding = false;
      this.pending = '';
      return;
    }
    const line = this.pending.endsWith('\r') ? this.pending.slice(0, -1) : this.pending;
    this.pending = '';
    this.onLine(line);
  }
}
