import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../src/shared/status';
import {
  appendLines,
  LOG_LINE_CAP,
  LOG_PAGE_LIMIT,
  LOG_TAIL_LIMIT,
  mergeTail,
} from '../../src/renderer/src/logs/log-buffer';
import {
  countAfter,
  filterLines,
  indexOfSeq,
  isFiltering,
  SHOW_ALL,
  toggleStream,
  type LogFilter,
} from '../../src/renderer/src/logs/log-filter';
import { detectLevel, isAtLeast, levelFromNumber, lineLevel } from '../../src/renderer/src/logs/log-level';
import { formatLogFile, formatLogLine, logFileName } from '../../src/renderer/src/logs/log-save';
import {
  countMatches,
  matchAt,
  matchNear,
  matchOrdinal,
  NO_MATCHES,
  searchLines,
  searchPattern,
  splitMatches,
  stepMatch,
} from '../../src/renderer/src/logs/log-search';
import { firstIndexAtOrAfter, logsHashAt, readLogTarget, targetIndex } from '../../src/renderer/src/logs/log-target';

let nextSeq = 0;
const line = (
  text: string,
  stream: LogLine['stream'] = 'stdout',
  seq = nextSeq++,
  ts = '2026-01-01T00:00:00Z',
): LogLine => ({
  seq,
  ts,
  stream,
  text,
});
const numbered = (from: number, count: number): LogLine[] =>
  Array.from({ length: count }, (_, i) => ({
    seq: from + i,
    ts: new Date(Date.UTC(2026, 0, 1) + (from + i) * 1000).toISOString(),
    stream: 'stdout' as const,
    text: `line ${from + i}`,
  }));
const seqs = (lines: readonly LogLine[]): number[] => lines.map((l) => l.seq);

describe('level detection', () => {
  it('reads JSON lines: pino numbers and level names', () => {
    expect(detectLevel('{"level":10,"msg":"x"}')).toBe('debug');
    expect(detectLevel('{"level":20,"msg":"x"}')).toBe('debug');
    expect(detectLevel('{"level":30,"time":1,"msg":"listening"}')).toBe('info');
    expect(detectLevel('{"level":40,"msg":"slow"}')).toBe('warn');
    expect(detectLevel('{"level":50,"msg":"boom"}')).toBe('error');
    expect(detectLevel('{"level":60,"msg":"fatal"}')).toBe('error');
    expect(detectLevel('{"time":"2026-01-01T00:00:00Z","level":"WARN","msg":"x"}')).toBe('warn');
    expect(detectLevel('  {"severity":"error","message":"x"}')).toBe('error');
    expect(detectLevel('{"level":"trace"}')).toBe('debug');
    // A JSON line without a level falls back to the words in it.
    expect(detectLevel('{"msg":"ok"}')).toBeNull();
  });

  it('reads level words near the start', () => {
    expect(detectLevel('ERROR something broke')).toBe('error');
    expect(detectLevel('2026-01-01T10:00:00Z [WARN] disk almost full')).toBe('warn');
    expect(detectLevel('12:00:00 INFO listening on :8080')).toBe('info');
    expect(detectLevel('DEBUG cache miss')).toBe('debug');
    expect(detectLevel('error: cannot open file')).toBe('error');
    expect(detectLevel('Warning: deprecated flag')).toBe('warn');
    expect(detectLevel('warning something odd')).toBe('warn');
    expect(detectLevel('2009/11/10 23:00:00 Error connecting to db')).toBe('error');
    expect(detectLevel('[info] started')).toBe('info');
    expect(detectLevel('panic: runtime error: index out of range')).toBe('error');
    expect(detectLevel('time=2026-01-01T00:00:00Z level=WARN msg="slow query"')).toBe('warn');
    expect(detectLevel('E0102 15:04:05.000000   123 main.go:10] failed')).toBe('error');
    // The earliest word wins.
    expect(detectLevel('INFO request failed with ERROR 42')).toBe('info');
  });

  it('finds no level in plain lines', () => {
    expect(detectLevel('flood line 12 xxxxxxxx')).toBeNull();
    expect(detectLevel('listening on 127.0.0.1:8080')).toBeNull();
    expect(detectLevel('3 errors found')).toBeNull();
    expect(detectLevel('GET /api/products 200 ERR_NONE_HERE')).toBeNull();
    expect(detectLevel('')).toBeNull();
  });

  it('counts stderr without a level as error, other lines as info', () => {
    expect(lineLevel(line('flood done', 'stderr'))).toBe('error');
    expect(lineLevel(line('{"level":30,"msg":"pino to stderr"}', 'stderr'))).toBe('info');
    expect(lineLevel(line('plain', 'stdout'))).toBe('info');
    expect(lineLevel(line('restart requested by user-ui', 'supervisor'))).toBe('info');
    expect(lineLevel(line('WARN low memory', 'stdout'))).toBe('warn');
  });

  it('orders levels by severity', () => {
    expect(isAtLeast('error', 'warn')).toBe(true);
    expect(isAtLeast('warn', 'warn')).toBe(true);
    expect(isAtLeast('info', 'warn')).toBe(false);
    expect(isAtLeast('debug', 'info')).toBe(false);
    expect(levelFromNumber(0)).toBeNull();
  });
});

describe('filtering', () => {
  const lines = [
    line('out plain'),
    line('err plain', 'stderr'),
    line('backend started', 'supervisor'),
    line('WARN careful'),
    line('DEBUG detail'),
    line('{"level":50,"msg":"x"}'),
  ];
  const texts = (filter: LogFilter): string[] => filterLines(lines, filter).map((l) => l.text);

  it('returns the same array when nothing is filtered', () => {
    expect(isFiltering(SHOW_ALL)).toBe(false);
    expect(filterLines(lines, SHOW_ALL)).toBe(lines);
  });

  it('hides switched-off streams', () => {
    const noStdout = toggleStream(SHOW_ALL, 'stdout');
    expect(isFiltering(noStdout)).toBe(true);
    expect(texts(noStdout)).toEqual(['err plain', 'backend started']);
    expect(texts(toggleStream(noStdout, 'stdout'))).toHaveLength(lines.length);
    expect(texts(toggleStream(toggleStream(SHOW_ALL, 'stderr'), 'supervisor'))).toEqual([
      'out plain',
      'WARN careful',
      'DEBUG detail',
      '{"level":50,"msg":"x"}',
    ]);
  });

  it('shows the chosen level and the more severe ones', () => {
    expect(texts({ ...SHOW_ALL, level: 'error' })).toEqual(['err plain', '{"level":50,"msg":"x"}']);
    expect(texts({ ...SHOW_ALL, level: 'warn' })).toEqual(['err plain', 'WARN careful', '{"level":50,"msg":"x"}']);
    expect(texts({ ...SHOW_ALL, level: 'info' })).toHaveLength(lines.length - 1);
    expect(texts({ ...SHOW_ALL, level: 'debug' })).toHaveLength(lines.length);
    expect(texts({ streams: { stdout: true, stderr: false, supervisor: false }, level: 'error' })).toEqual([
      '{"level":50,"msg":"x"}',
    ]);
  });

  it('finds lines by seq and counts the lines after one', () => {
    const list = numbered(10, 5).filter((l) => l.seq !== 12); // 10, 11, 13, 14
    expect(indexOfSeq(list, 13)).toBe(2);
    expect(indexOfSeq(list, 12)).toBe(-1);
    expect(countAfter(list, 11)).toBe(2);
    expect(countAfter(list, 12)).toBe(2);
    expect(countAfter(list, 14)).toBe(0);
    expect(countAfter(list, 1)).toBe(4);
  });
});

describe('search', () => {
  const lines = [line('Flood line 1 x'), line('nothing here'), line('flood FLOOD flood'), line('end of flood')];

  it('matches a case-insensitive substring, taken literally', () => {
    const pattern = searchPattern('flood')!;
    expect(countMatches('Flood flOOd FLOOD', pattern)).toBe(3);
    expect(searchPattern('')).toBeNull();
    expect(countMatches('a.b axb (x) [y]', searchPattern('.')!)).toBe(1);
    expect(countMatches('(x) [y] a+b a+b', searchPattern('a+b')!)).toBe(2);
    expect(countMatches('C:\\path\\x', searchPattern('\\path')!)).toBe(1);
    expect(countMatches('price $5 ^ | {1} /x/', searchPattern('$5 ^ | {1} /x/')!)).toBe(1);
    expect(countMatches('Straße STRASSE', searchPattern('straße')!)).toBe(1);
    expect(countMatches('aaaa', searchPattern('aa')!)).toBe(2);
  });

  it('counts every occurrence and knows which lines hold them', () => {
    const result = searchLines(lines, 'flood');
    expect(result.total).toBe(5);
    expect(Array.from(result.lineIndexes)).toEqual([0, 2, 3]);
    expect(Array.from(result.before)).toEqual([0, 1, 4, 5]);
    expect(searchLines(lines, '')).toBe(NO_MATCHES);
    expect(searchLines(lines, 'absent').total).toBe(0);
  });

  it('finds the k-th match, its ordinal, and the match near a line', () => {
    const result = searchLines(lines, 'flood');
    expect([0, 1, 2, 3, 4].map((k) => matchAt(result, k))).toEqual([
      { index: 0, nth: 0 },
      { index: 2, nth: 0 },
      { index: 2, nth: 1 },
      { index: 2, nth: 2 },
      { index: 3, nth: 0 },
    ]);
    expect(matchAt(result, 5)).toBeNull();
    expect(matchAt(result, -1)).toBeNull();
    expect(matchOrdinal(result, 2, 1)).toBe(2);
    expect(matchOrdinal(result, 2, 3)).toBe(-1);
    expect(matchOrdinal(result, 1, 0)).toBe(-1);
    // Forward: first match in a line at or after; backward: last match in a line at or before; wrapping.
    expect(matchNear(result, 1, 1)).toBe(1);
    expect(matchNear(result, 1, -1)).toBe(0);
    expect(matchNear(result, 2, -1)).toBe(3);
    expect(matchNear(result, 4, 1)).toBe(0);
    expect(matchNear(result, -1, -1)).toBe(4);
    expect(matchNear(NO_MATCHES, 0, 1)).toBe(-1);
    expect(stepMatch(result, 4, 1)).toBe(0);
    expect(stepMatch(result, 0, -1)).toBe(4);
    expect(stepMatch(result, 2, 1)).toBe(3);
  });

  it('cuts a line into plain and matching pieces', () => {
    expect(splitMatches('a Flood b flood', searchPattern('flood'))).toEqual([
      { text: 'a ', match: false },
      { text: 'Flood', match: true },
      { text: ' b ', match: false },
      { text: 'flood', match: true },
    ]);
    expect(splitMatches('flood', searchPattern('FLOOD'))).toEqual([{ text: 'flood', match: true }]);
    expect(splitMatches('plain', null)).toEqual([{ text: 'plain', match: false }]);
    expect(splitMatches('', searchPattern('x'))).toEqual([{ text: '', match: false }]);
  });

  it('counts matches in 100,000 lines quickly', () => {
    const many = numbered(0, 100_000);
    const started = performance.now();
    const result = searchLines(many, 'LINE 9999');
    expect(result.total).toBe(11); // 9999 and 99990..99999
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('log buffer', () => {
  it('keeps up to 100,000 lines and asks for a 1,000-line tail, older lines 2,000 a page', () => {
    expect(LOG_LINE_CAP).toBe(100_000);
    expect(LOG_TAIL_LIMIT).toBe(1_000);
    expect(LOG_PAGE_LIMIT).toBe(2_000);
    const full = appendLines([], numbered(0, 100_000));
    expect(full).toHaveLength(100_000);
    const more = appendLines(full, numbered(100_000, 2_500));
    expect(more).toHaveLength(100_000);
    expect(more[0]!.seq).toBe(2_500);
    expect(more[more.length - 1]!.seq).toBe(102_499);
  });

  it('drops lines it already holds (by seq)', () => {
    const held = numbered(0, 10);
    expect(seqs(appendLines(held, numbered(8, 5)))).toEqual(seqs(numbered(0, 13)));
    expect(appendLines(held, numbered(3, 4))).toBe(held);
    // A tail reloaded after a reconnect overlaps what is held: no duplicates.
    expect(seqs(mergeTail(held, numbered(5, 10)))).toEqual(seqs(numbered(0, 15)));
    expect(mergeTail(numbered(0, 100_000), numbered(99_000, 5_000))).toHaveLength(100_000);
  });
});

describe('save format', () => {
  it('writes `<ts> <stream> <text>` per line', () => {
    const lines: LogLine[] = [
      { seq: 1, ts: '2026-01-01T10:00:00.000Z', stream: 'stdout', text: 'hello world' },
      { seq: 2, ts: '2026-01-01T10:00:01.500Z', stream: 'stderr', text: 'oops: {"a":1}' },
      { seq: 3, ts: '2026-01-01T10:00:02.000Z', stream: 'supervisor', text: '' },
    ];
    expect(formatLogLine(lines[0]!)).toBe('2026-01-01T10:00:00.000Z stdout hello world');
    expect(formatLogFile(lines)).toBe(
      '2026-01-01T10:00:00.000Z stdout hello world\n' +
        '2026-01-01T10:00:01.500Z stderr oops: {"a":1}\n' +
        '2026-01-01T10:00:02.000Z supervisor \n',
    );
    expect(formatLogFile([])).toBe('');
  });

  it('names the file after the time, without colons', () => {
    expect(logFileName(new Date('2026-01-02T03:04:05.678Z'))).toBe('logs-2026-01-02T03-04-05.678Z.log');
  });
});

describe('jump to a time', () => {
  it('puts the time in the hash and reads it back', () => {
    const at = '2026-01-01T10:00:00.123+01:00';
    const hash = logsHashAt(at);
    expect(hash.startsWith('#/logs/?at=')).toBe(true);
    expect(readLogTarget(hash)).toBe(at);
    expect(readLogTarget('#/logs?at=2026-01-01T10:00:00Z')).toBe('2026-01-01T10:00:00Z');
    expect(readLogTarget('#/logs')).toBeNull();
    expect(readLogTarget('#/logs/?at=not-a-time')).toBeNull();
    expect(readLogTarget('#/incidents?at=2026-01-01T10:00:00Z')).toBeNull();
    expect(readLogTarget('')).toBeNull();
  });

  it('finds the first line at or after the time', () => {
    const lines = numbered(0, 100); // one a second from 2026-01-01T00:00:00Z
    const t = (s: number): number => Date.UTC(2026, 0, 1) + s * 1000;
    expect(firstIndexAtOrAfter(lines, t(42))).toBe(42);
    expect(firstIndexAtOrAfter(lines, t(41.5))).toBe(42);
    expect(firstIndexAtOrAfter(lines, t(-5))).toBe(0);
    expect(firstIndexAtOrAfter(lines, t(500))).toBe(100);
    expect(targetIndex(lines, t(42))).toEqual({ index: 42, before: false });
    expect(targetIndex(lines, t(500))).toEqual({ index: 99, before: false });
    expect(targetIndex(lines, t(-5))).toEqual({ index: 0, before: true });
    expect(targetIndex([], t(0))).toBeNull();
  });
});
