// The command-line client's text output: aligned columns, colour only when asked, safe text.
import { describe, expect, it } from 'vitest';
import { logLine, mergeByTime } from '../../src/main/cli/commands/logs';
import { createTranslator } from '../../src/shared/locales/translate';
import { duration, paint, printable, table, useColor } from '../../src/main/cli/table';

describe('useColor', () => {
  it('colours a terminal only, never with NO_COLOR or TERM=dumb; FORCE_COLOR colours anyway', () => {
    expect(useColor(true, {})).toBe(true);
    expect(useColor(false, {})).toBe(false);
    expect(useColor(true, { NO_COLOR: '1' })).toBe(false);
    expect(useColor(true, { NO_COLOR: '' })).toBe(true);
    expect(useColor(true, { TERM: 'dumb' })).toBe(false);
    expect(useColor(false, { FORCE_COLOR: '1' })).toBe(true);
    expect(useColor(false, { FORCE_COLOR: '0' })).toBe(false);
  });
});

describe('table', () => {
  it('aligns each column to its widest cell, colour codes not counted, the last column unpadded', () => {
    const rows = table(
      ['SERVICE', 'STATE', 'INFO'],
      [
        ['db', { text: 'running', colour: 'green' }, ''],
        ['backend-long', { text: 'waiting', colour: 'yellow' }, 'db is not healthy'],
      ],
      false,
    );
    expect(rows).toEqual([
      'SERVICE       STATE    INFO',
      'db            running',
      'backend-long  waiting  db is not healthy',
    ]);
    const coloured = table(['A', 'B'], [[{ text: 'x', colour: 'red' }, 'y']], true);
    expect(coloured[0]).toBe('\u001b[1mA\u001b[0m  \u001b[1mB\u001b[0m');
    expect(coloured[1]).toBe('\u001b[31mx\u001b[0m  y');
  });

  it('counts characters, not UTF-16 units or bytes (a reason in Russian, a letter outside the BMP, stays aligned)', () => {
    const rows = table(
      ['A', 'B'],
      [
        ['ждёт', '1'],
        ['ab', '2'],
        ['𝒂𝒃', '3'],
      ],
      false,
    );
    const column = (row: string, text: string): number => Array.from(row).indexOf(text);
    expect(column(rows[1]!, '1')).toBe(column(rows[2]!, '2'));
    expect(column(rows[3]!, '3')).toBe(column(rows[2]!, '2'));
  });

  it('shows control characters as escapes: a log line cannot drive the terminal or forge a row', () => {
    expect(printable('a\u001b[2Jb\r\nc\u0007\u009b\td')).toBe('a\\x1b[2Jb\\r\\nc\\x07\\x9b\td');
    expect(table(['A'], [['x\ny']], false)[1]).toBe('x\\ny');
    expect(paint('t', 'red', false)).toBe('t');
  });
});

describe('duration', () => {
  it('as people read an uptime', () => {
    expect(duration(0)).toBe('0s');
    expect(duration(59)).toBe('59s');
    expect(duration(192)).toBe('3m 12s');
    expect(duration(2 * 3600 + 5 * 60 + 9)).toBe('2h 5m');
    expect(duration(3 * 86400 + 4 * 3600)).toBe('3d 4h');
  });

  it("in the shell's language, through Intl's narrow units", () => {
    const ru = createTranslator('ru');
    expect(duration(45, ru)).toBe('45 с');
    expect(duration(192, ru)).toBe('3 мин 12 с');
    expect(duration(2 * 3600 + 5 * 60, ru)).toBe('2 ч 5 мин');
    expect(duration(3 * 86400 + 4 * 3600, ru)).toBe('3 д. 4 ч');
  });
});

describe('log lines', () => {
  const line = (service: string, seq: number, ts: string, stream: 'stdout' | 'stderr' | 'supervisor' = 'stdout') => ({
    service,
    seq,
    ts,
    stream,
    text: `${service} ${seq}`,
  });

  it('name their service and stream as the console echo does', () => {
    expect(logLine(line('db', 1, 'T'), false)).toBe('T [db] db 1');
    expect(logLine(line('db', 1, 'T', 'stderr'), false)).toBe('T [db:err] db 1');
    expect(logLine(line('db', 1, 'T', 'supervisor'), false)).toBe('T [supervisor:db] db 1');
    expect(logLine({ ...line('db', 1, 'T'), text: '\u001b]0;owned\u0007' }, false)).toBe('T [db] \\x1b]0;owned\\x07');
  });

  it('merge by time across services, each service keeping its order where times tie', () => {
    const merged = mergeByTime([
      [
        line('a', 1, '2026-01-01T00:00:01Z'),
        line('a', 2, '2026-01-01T00:00:03Z'),
        line('a', 3, '2026-01-01T00:00:03Z'),
      ],
      [line('b', 1, '2026-01-01T00:00:02Z'), line('b', 2, '2026-01-01T00:00:04Z')],
    ]);
    expect(merged.map((l) => `${l.service}${l.seq}`)).toEqual(['a1', 'b1', 'a2', 'a3', 'b2']);
  });
});
