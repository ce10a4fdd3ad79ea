import type { LogLine, LogStream } from '../../shared/status';

/**
 * Bytes of line text a ring of `capacity` lines holds at most, besides its line count: room
 * for 256 bytes a line on average, and at least 16 MiB. It bounds the memory of lines near
 * the 16 KiB cap (5,000 of them would be 80 MiB), not that of ordinary ones.
 */
export function logRingMaxBytes(capacity: number): number {
  return Math.max(16 * 1024 * 1024, capacity * 256);
}

/**
 * Characters of JSON one answer of lines ({@link LogRing.tail}) holds at most: 32 Mi, twice
 * the smallest ring's text, so a default ring of ordinary lines is always read whole.
 */
export const LOG_ANSWER_MAX_CHARS = 32 * 1024 * 1024;

/** Room a line takes in a JSON answer, characters: its text as JSON escapes it, and its other fields. */
export function logLineJsonChars(text: string): number {
  let chars = 104 + text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Control characters become \u00XX (6), a quote or a backslash \" or \\ (2).
    if (c < 0x20) chars += 5;
    else if (c === 0x22 || c === 0x5c) chars += 1;
  }
  return chars;
}

/** Lines that came together: one chunk read from a pipe, or one line the supervisor added. */
interface Block {
  stream: LogStream;
  /** When it was read, ms since the epoch (its lines share it). */
  ts: number;
  /** `seq` of its first line. */
  seq: number;
  /** Its lines: UTF-8 joined by `\n` (`count` of them), or one line as a string (which may hold a `\n`). */
  data: Buffer | string;
  count: number;
  /** Its first lines already dropped (the ring was full). */
  skip: number;
}

/**
 * The newest log lines, held compactly: a block per chunk read (the chunk's lines as one
 * UTF-8 buffer, outside the JS heap), not an object per line. `seq` numbers the lines one
 * by one (0 for the first line pushed). Holds at most `capacity` lines and about `maxBytes`
 * bytes of text (whole blocks, the oldest first, go to keep to it; a block is at most a
 * chunk, 64 KiB). Lines become `{seq, ts, stream, text}` objects only when read.
 */
export class LogRing {
  private blocks: Block[] = [];
  /** Index of the oldest block in `blocks` (dropped ones before it are cleared in batches). */
  private head = 0;
  private lines = 0;
  private bytes = 0;
  private seq = 0;

  /**
   * @param firstSeq the `seq` of the first line pushed (a service's log that goes on from an
   *   earlier one's: a reload that removed it and adds it again).
   * @throws RangeError when capacity is not a positive integer, or firstSeq not a safe one.
   */
  constructor(
    private lineCap: number,
    private byteCap = logRingMaxBytes(lineCap),
    firstSeq = 0,
  ) {
    checkCapacity(lineCap);
    if (!Number.isSafeInteger(firstSeq) || firstSeq < 0) {
      throw new RangeError(`log ring first seq must be a safe integer >= 0, got ${firstSeq}`);
    }
    this.seq = firstSeq;
  }

  /** Lines held at most. */
  get capacity(): number {
    return this.lineCap;
  }

  /** Bytes of text held at most (besides the line count). */
  get maxBytes(): number {
    return this.byteCap;
  }

  /**
   * Holds at most `capacity` lines (and `maxBytes` bytes) from now on: a smaller ring drops
   * its oldest lines at once, a larger one keeps them all and fills up; `seq` goes on.
   * @throws RangeError when capacity is not a positive integer (nothing changes).
   */
  resize(capacity: number, maxBytes = logRingMaxBytes(capacity)): void {
    checkCapacity(capacity);
    this.lineCap = capacity;
    this.byteCap = maxBytes;
    this.trim();
  }

  /** Lines held. */
  get size(): number {
    return this.lines;
  }

  /** The `seq` the next line will get. */
  get nextSeq(): number {
    return this.seq;
  }

  /** Bytes of text held (whole blocks, including lines of the oldest one already dropped). */
  get heldBytes(): number {
    return this.bytes;
  }

  /**
   * Adds lines read at `ts` (ms since the epoch): `data` is `count` lines joined by `\n`
   * (UTF-8), or one line as a string. Returns the `seq` of the first of them.
   */
  push(stream: LogStream, ts: number, data: Buffer | string, count: number): number {
    const seq = this.seq;
    this.seq += count;
    this.blocks.push({ stream, ts, seq, data, count, skip: 0 });
    this.lines += count;
    this.bytes += data.length;
    this.trim();
    return seq;
  }

  /** `seq` of the oldest line held (equal to {@link nextSeq} when none is): held lines are contiguous. */
  get firstSeq(): number {
    return this.seq - this.lines;
  }

  /**
   * The newest `limit` lines (all held when omitted) with `seq` below `before` (every held
   * line when omitted), oldest first, stamped with `service` when given. A page of older
   * lines: `before` the oldest `seq` already read. `before` past the newest line reads
   * from the newest; at or below {@link firstSeq}, nothing (the start of the buffer).
   * At most `maxAnswer` characters of JSON ({@link logLineJsonChars} each, at least one
   * line): lines near the 16 KiB cut, or full of characters JSON escapes, would otherwise
   * make one answer of a large ring hundreds of MiB. So fewer than `limit` lines does not
   * mean the start of the buffer: an empty answer does.
   */
  tail(limit = this.lines, service?: string, before = this.seq, maxAnswer = LOG_ANSWER_MAX_CHARS): LogLine[] {
    const end = Math.max(this.firstSeq, Math.min(before, this.seq));
    const begin = Math.max(this.firstSeq, end - Math.max(0, limit));
    return this.range(begin, end, service, maxAnswer);
  }

  /** The newest lines with `begin <= seq < end` (both within the held ones) that fit in `budget`, oldest first. */
  private range(begin: number, end: number, service: string | undefined, budget: number): LogLine[] {
    const out: LogLine[] = [];
    if (begin >= end) return out;
    // The block holding `end - 1`: blocks are in `seq` order, so a binary search; then back.
    let lo = this.head;
    let hi = this.blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.blocks[mid] as Block).seq <= end - 1) lo = mid;
      else hi = mid - 1;
    }
    const extra = service === undefined ? 0 : service.length;
    let used = 0;
    for (let i = lo; i >= this.head; i--) {
      const block = this.blocks[i] as Block;
      const from = Math.max(block.skip, begin - block.seq);
      const to = Math.min(block.count, end - block.seq);
      if (to <= from) break;
      const texts = typeof block.data === 'string' ? [block.data] : block.data.toString('utf8').split('\n');
      const ts = new Date(block.ts).toISOString();
      for (let k = to - 1; k >= from; k--) {
        const text = texts[k] as string;
        used += logLineJsonChars(text) + extra;
        if (used > budget && out.length > 0) return out.reverse();
        const line: LogLine = { seq: block.seq + k, ts, stream: block.stream, text };
        if (service !== undefined) line.service = service;
        out.push(line);
      }
      // `begin` was in this block: done; else on to the one before.
      if (block.seq + from <= begin) break;
    }
    return out.reverse();
  }

  /** Removes every line (`seq` goes on). */
  clear(): void {
    this.blocks = [];
    this.head = 0;
    this.lines = 0;
    this.bytes = 0;
  }

  private trim(): void {
    while (this.lines > this.lineCap) {
      const oldest = this.blocks[this.head] as Block;
      const drop = Math.min(oldest.count - oldest.skip, this.lines - this.lineCap);
      oldest.skip += drop;
      this.lines -= drop;
      if (oldest.skip === oldest.count) this.dropOldest();
    }
    while (this.bytes > this.byteCap && this.blocks.length - this.head > 1) {
      const oldest = this.blocks[this.head] as Block;
      this.lines -= oldest.count - oldest.skip;
      this.dropOldest();
    }
  }

  private dropOldest(): void {
    const oldest = this.blocks[this.head] as Block;
    this.bytes -= oldest.data.length;
    this.blocks[this.head] = undefined as unknown as Block;
    this.head++;
    // Compact now and then, so the array does not grow with every block ever pushed.
    if (this.head >= 1024 && this.head * 2 >= this.blocks.length) {
      this.blocks = this.blocks.slice(this.head);
      this.head = 0;
    }
  }
}

function checkCapacity(capacity: number): void {
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(`log ring capacity must be a positive integer, got ${capacity}`);
  }
}
