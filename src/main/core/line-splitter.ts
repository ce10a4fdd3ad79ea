import { isUtf8 } from 'node:buffer';

/** Marker appended to a line cut at the length cap. */
export const CUT_MARKER = ' …[cut]';
const CUT_MARKER_BYTES = Buffer.from(CUT_MARKER);

/**
 * Complete lines of one stream, as bytes: valid UTF-8, the lines joined by `\n` (no line
 * holds a `\n`, none ends with the `\r` of a CRLF, and there is no newline after the last).
 * `count` ≥ 1 lines. Kept as one buffer, not one string per line: a flood's lines are
 * framed, written and held without a JS object each. `latin1` is the same bytes as a
 * Latin-1 string (a character per byte), where framing them is one native replace.
 */
export interface LineBatch {
  bytes: Buffer;
  latin1: string;
  count: number;
}

/**
 * Splits a byte stream into lines, a batch per chunk: `\n` or `\r\n` terminated, invalid
 * UTF-8 replaced by U+FFFD, each line at most `maxLineBytes` bytes — a longer line is
 * emitted cut (at a character boundary) with {@link CUT_MARKER}, and the rest of it up to
 * the next newline is dropped, so one endless line cannot grow memory.
 *
 * Each `write` emits the chunk's complete lines in at most two batches (the line that
 * completes the partial one the previous chunks left, then the others, which stay a view of
 * the chunk: nothing copied), plus one for a partial line cut at the cap.
 */
export class LineSplitter {
  /** The partial line so far (pieces of chunks), at most `maxLineBytes` bytes. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** True after a line was cut, until its newline: its bytes are dropped. */
  private discarding = false;

  /**
   * @param onLines called with each batch of complete lines.
   * @param maxLineBytes cap per line in bytes (default 16 KiB).
   */
  constructor(
    private readonly onLines: (batch: LineBatch) => void,
    private readonly maxLineBytes = 16 * 1024,
  ) {}

  /** Feeds a chunk of bytes (a string is taken as its UTF-8 bytes). */
  write(chunk: Buffer | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (bytes.length === 0) return;
    const last = bytes.lastIndexOf(10);
    if (last === -1) {
      this.addPartial(bytes);
      return;
    }
    const complete = bytes.subarray(0, last);
    const rest = bytes.subarray(last + 1);
    if (this.discarding || this.pendingBytes > 0) {
      // The chunk's first line ends the partial one: joined to it, or dropped after a cut.
      const nl = complete.indexOf(10);
      const first = nl === -1 ? complete : complete.subarray(0, nl);
      if (this.discarding) this.discarding = false;
      else {
        this.pending.push(first);
        const line = Buffer.concat(this.pending);
        this.pending = [];
        this.pendingBytes = 0;
        this.emit(line);
      }
      if (nl !== -1) this.emit(complete.subarray(nl + 1));
    } else this.emit(complete);
    if (rest.length > 0) this.addPartial(rest);
  }

  /** Emits what is left as a final line (stream ended without a newline). */
  end(): void {
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    if (this.pendingBytes === 0) return;
    const line = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    this.emit(line);
  }

  private addPartial(part: Buffer): void {
    if (this.discarding) return;
    this.pending.push(part);
    this.pendingBytes += part.length;
    if (this.pendingBytes > this.maxLineBytes) {
      const line = Buffer.concat(this.pending);
      this.pending = [];
      this.pendingBytes = 0;
      this.discarding = true;
      const bytes = cutLine(line, this.maxLineBytes);
      this.onLines({ bytes, latin1: bytes.toString('latin1'), count: 1 });
    }
  }

  /** Emits `complete` (lines joined by `\n`, maybe the one empty line) as a batch. */
  private emit(complete: Buffer): void {
    this.onLines(normalize(complete, this.maxLineBytes));
  }
}

/**
 * The batch of `raw` (lines joined by `\n`): valid UTF-8, CRLF endings stripped, over-long
 * lines cut. The common case (valid, no CR, no long line) is the same buffer, counted with
 * one scan: lines are looked at as a Latin-1 string, one character per byte, where
 * `indexOf` is fast and byte offsets are string offsets.
 */
function normalize(raw: Buffer, max: number): LineBatch {
  let bytes = isUtf8(raw) ? raw : Buffer.from(raw.toString('utf8'));
  let text = bytes.toString('latin1');
  if (text.includes('\r')) {
    // Only the CR of a CRLF goes (`a\r\r\n` keeps one); a CR inside a line stays.
    const stripped = text.replaceAll('\r\n', '\n');
    text = stripped.endsWith('\r') ? stripped.slice(0, -1) : stripped;
    if (text.length !== bytes.length) bytes = Buffer.from(text, 'latin1');
  }
  let count = 1;
  let longest = 0;
  let from = 0;
  for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', nl + 1)) {
    if (nl - from > longest) longest = nl - from;
    from = nl + 1;
    count++;
  }
  if (text.length - from > longest) longest = text.length - from;
  if (longest <= max) return { bytes, latin1: text, count };
  const cut = text
    .split('\n')
    .map((line) => (line.length <= max ? line : cutLine(Buffer.from(line, 'latin1'), max).toString('latin1')))
    .join('\n');
  return { bytes: Buffer.from(cut, 'latin1'), latin1: cut, count };
}

/** The first `max` bytes of `line` (backed off to a UTF-8 character boundary), valid UTF-8, marked cut. */
function cutLine(line: Buffer, max: number): Buffer {
  let end = Math.min(max, line.length);
  // A continuation byte (10xxxxxx) at `end` means a character starts before it: cut before that one.
  const floor = Math.max(0, end - 3);
  while (end > floor && ((line[end] as number) & 0xc0) === 0x80) end--;
  let head = line.subarray(0, end);
  if (!isUtf8(head)) head = Buffer.from(head.toString('utf8'));
  return Buffer.concat([head, CUT_MARKER_BYTES]);
}
