/**
 * The log's line path in batches: the splitter gives a chunk's lines as one UTF-8 buffer,
 * the ring holds them as blocks and gives `{seq, ts, stream, text}` back, and the disk
 * format (`<time> <out|err> <text>`) is framed per batch and parsed back.
 */
import { describe, expect, it } from 'vitest';
import { CUT_MARKER, LineSplitter, type LineBatch } from '../../src/main/core/line-splitter';
import { frameLines, parseLogLine, NUL_SYMBOL } from '../../src/main/core/log-format';
import { LogRing } from '../../src/main/core/log-ring';

/** The batches a splitter emits for `chunks`, as their lines. */
function batches(chunks: (string | Buffer)[], max?: number): string[][] {
  const out: LineBatch[] = [];
  const s = new LineSplitter((b) => out.push(b), max);
  for (const c of chunks) s.write(typeof c === 'string' ? Buffer.from(c) : c);
  s.end();
  return out.map((b) => {
    expect(b.latin1).toBe(b.bytes.toString('latin1'));
    const lines = b.bytes.toString('utf8').split('\n');
    expect(lines).toHaveLength(b.count);
    return lines;
  });
}

describe('LineSplitter batches', () => {
  it('gives a chunk of many lines as one batch, and the line that ends a partial one before the rest', () => {
    expect(batches(['a\nb\nc\n'])).toEqual([['a', 'b', 'c']]);
    expect(batches(['a\nb', 'c\nd\ne\n'])).toEqual([['a'], ['bc'], ['d', 'e']]);
    expect(batches(['\n\nx\n'])).toEqual([['', '', 'x']]);
  });

  it('strips only the CR of a CRLF; a CR inside a line stays', () => {
    expect(batches(['a\r\nb\r\r\nc\rd\n'])).toEqual([['a', 'b\r', 'c\rd']]);
    expect(batches(['a\r', '\nb\r'])).toEqual([['a'], ['b']]);
  });

  it('keeps a character split across chunks and replaces invalid bytes', () => {
    const euro = Buffer.from('x€y\n');
    expect(batches([euro.subarray(0, 2), euro.subarray(2)])).toEqual([['x€y']]);
    expect(batches([Buffer.from([0x62, 0x61, 0x64, 0x3a, 0x20, 0xff, 0xfe, 0xc3, 0x28, 0x0a])])).toEqual([
      ['bad: \uFFFD\uFFFD\uFFFD('],
    ]);
    // A stream that ends inside a character.
    expect(batches([euro.subarray(0, 2)])).toEqual([['x\uFFFD']]);
  });

  it('cuts a long line at a character boundary, in a batch or while it is still open', () => {
    // 'é' is 2 bytes: 5 of them are 10 bytes, the cap cuts after the 4th (8 bytes), not inside the 5th.
    expect(batches(['ab' + 'é'.repeat(5) + '\nok\n'], 9)).toEqual([['ab' + 'é'.repeat(3) + CUT_MARKER, 'ok']]);
    expect(batches(['é'.repeat(3), 'é'.repeat(3), '\nok\n'], 9)).toEqual([['é'.repeat(4) + CUT_MARKER], ['ok']]);
  });
});

describe('the disk format', () => {
  const iso = '2026-12-02T01:48:47.825Z';
  const frame = (stream: 'stdout' | 'stderr', lines: string[]): string =>
    Buffer.from(frameLines(iso, stream, Buffer.from(lines.join('\n')).toString('latin1')).join(''), 'latin1').toString(
      'utf8',
    );

  it('writes each line as `<time> <out|err> <text>`, one per line', () => {
    expect(frame('stdout', ['listening on :3000', ''])).toBe(`${iso} out listening on :3000\n${iso} out \n`);
    expect(frame('stderr', ['oops'])).toBe(`${iso} err oops\n`);
  });

  it('reads back every text as written: colours, tabs, CR, U+FFFD, emoji; NUL through U+2400', () => {
    const texts = [
      '\x1b[31mred\x1b[0m',
      'a\tb',
      'c\rd',
      'bad \uFFFD',
      'ok 🙂',
      'nul \0 here',
      '  leading space',
      '{"json":1}',
    ];
    const written = frame('stdout', texts);
    expect(written).not.toContain('\0');
    expect(written).toContain(`nul ${NUL_SYMBOL} here`);
    const back = written
      .split('\n')
      .slice(0, -1)
      .map((l) => parseLogLine(l));
    expect(back).toEqual(texts.map((text) => ({ ts: iso, stream: 'stdout', text })));
  });

  it('reads the JSON lines of the format before, and nothing else', () => {
    expect(parseLogLine('{"seq":4,"ts":"2026-01-01T00:00:00.000Z","stream":"stderr","text":"old"}')).toEqual({
      ts: '2026-01-01T00:00:00.000Z',
      stream: 'stderr',
      text: 'old',
    });
    expect(parseLogLine('{"level":30,"msg":"not ours"}')).toBeNull();
    expect(parseLogLine('2026-12-02T01:48:47.825Z sup x')).toBeNull();
    expect(parseLogLine('2026-12-02T01:48')).toBeNull();
  });
});

describe('LogRing', () => {
  const block = (lines: string[]): [Buffer, number] => [Buffer.from(lines.join('\n')), lines.length];

  it('holds the newest `capacity` lines across blocks, with seq counting every line', () => {
    const ring = new LogRing(4);
    expect(ring.push('stdout', 0, ...block(['a', 'b', 'c']))).toBe(0);
    expect(ring.push('stderr', 1000, ...block(['d', 'e']))).toBe(3);
    expect(ring.tail().map((l) => l.text)).toEqual(['b', 'c', 'd', 'e']);
    expect(ring.push('supervisor', 2000, 'f\nstill f', 1)).toBe(5);
    expect(ring.size).toBe(4);
    expect(ring.nextSeq).toBe(6);
    expect(ring.tail().map((l) => [l.seq, l.stream, l.text])).toEqual([
      [2, 'stdout', 'c'],
      [3, 'stderr', 'd'],
      [4, 'stderr', 'e'],
      [5, 'supervisor', 'f\nstill f'],
    ]);
    expect(ring.tail(2, 'db')).toEqual([
      { seq: 4, ts: '1970-01-01T00:00:01.000Z', stream: 'stderr', text: 'e', service: 'db' },
      { seq: 5, ts: '1970-01-01T00:00:02.000Z', stream: 'supervisor', text: 'f\nstill f', service: 'db' },
    ]);
    expect(ring.tail(0)).toEqual([]);
    ring.clear();
    expect(ring.tail()).toEqual([]);
    expect(ring.push('stdout', 0, 'g', 1)).toBe(6);
  });

  it('keeps to its byte bound by dropping whole old blocks', () => {
    const ring = new LogRing(1_000, 64);
    for (let i = 0; i < 10; i++) ring.push('stdout', 0, ...block([`${i}`.repeat(10), `${i}`.repeat(10)]));
    expect(ring.heldBytes).toBeLessThanOrEqual(64);
    expect(ring.tail().map((l) => l.text)).toEqual(['7', '7', '8', '8', '9', '9'].map((d) => d.repeat(10)));
    expect(ring.tail()[0]?.seq).toBe(14);
  });

  it('by default holds 256 bytes a line on average, and at least 16 MiB', () => {
    expect(new LogRing(5_000).maxBytes).toBe(16 * 1024 * 1024);
    expect(new LogRing(100_000).maxBytes).toBe(25_600_000);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new LogRing(0)).toThrow(/positive integer/);
  });
});
