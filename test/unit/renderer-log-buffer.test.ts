import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../src/shared/status';
import { appendLines, mergeTail, prependPage } from '../../src/renderer/src/logs/log-buffer';

const line = (seq: number, ts = `2026-01-01T00:00:${String(seq % 60).padStart(2, '0')}Z`): LogLine => ({
  seq,
  ts,
  stream: 'stdout',
  text: `line ${seq}`,
});
const range = (from: number, to: number): LogLine[] => Array.from({ length: to - from + 1 }, (_, i) => line(from + i));
const seqs = (lines: readonly LogLine[]): number[] => lines.map((l) => l.seq);

describe('log buffer', () => {
  it('appends new lines, drops duplicates by seq, keeps the last `cap`', () => {
    const shown = range(1, 5);
    expect(seqs(appendLines(shown, [line(4), line(5), line(6), line(7)]))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(appendLines(shown, [line(3)])).toBe(shown);
    expect(seqs(appendLines(shown, range(6, 10), 4))).toEqual([7, 8, 9, 10]);
  });

  it('merges a reloaded tail: keeps older lines, takes the tail, no duplicates', () => {
    expect(seqs(mergeTail(range(1, 10), range(6, 14)))).toEqual(range(1, 14).map((l) => l.seq));
    expect(seqs(mergeTail([], range(3, 5)))).toEqual([3, 4, 5]);
  });

  it('replaces everything when the sequence started over (supervisor restarted)', () => {
    expect(seqs(mergeTail(range(100, 110), range(0, 3)))).toEqual([0, 1, 2, 3]);
    const restarted = [line(5, '2027-01-01T00:00:00Z'), line(6, '2027-01-01T00:00:01Z'), ...range(7, 200)];
    expect(mergeTail(range(1, 10), restarted)[0]).toEqual(restarted[0]);
    expect(mergeTail(range(1, 10), [])).toEqual([]);
  });

  it('replaces everything when the reloaded tail starts past the last line shown (lines were missed)', () => {
    expect(seqs(mergeTail(range(1, 10), range(12, 20)))).toEqual(seqs(range(12, 20)));
    // Just after the last one: nothing missed, the older lines stay.
    expect(seqs(mergeTail(range(1, 10), range(11, 20)))).toEqual(seqs(range(1, 20)));
  });

  it('puts a page of older lines before the first shown: no duplicate, nothing shown dropped at the cap', () => {
    const shown = range(10, 14);
    expect(seqs(prependPage(shown, range(5, 9)))).toEqual(seqs(range(5, 14)));
    // A page overlapping what is shown: only its lines below the first shown.
    expect(seqs(prependPage(shown, range(7, 12)))).toEqual(seqs(range(7, 14)));
    expect(prependPage(shown, range(10, 12))).toBe(shown);
    expect(prependPage(shown, [])).toBe(shown);
    // At the cap the page's oldest lines are left out.
    expect(seqs(prependPage(shown, range(0, 9), 8))).toEqual(seqs(range(7, 14)));
    expect(prependPage(shown, range(0, 9), 5)).toBe(shown);
    expect(seqs(prependPage([], range(0, 2)))).toEqual([0, 1, 2]);
  });
});
