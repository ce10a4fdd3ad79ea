/**
 * The log pieces a reload re-sets in place: a ring buffer resized (the newest lines kept,
 * `seq` going on, the bound checked) and a log file moved or given another rotation.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { LogFile } from '../../src/main/core/log-file';
import { LogRing } from '../../src/main/core/log-ring';
import { pollUntil, tempDir } from '../helpers/supervise';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function scratch(): string {
  const dir = tempDir('bsup-log-reconf-');
  dirs.push(dir);
  return dir;
}

describe('LogRing.resize', () => {
  it('smaller keeps the newest lines at once, larger keeps all and fills up; seq goes on', () => {
    const ring = new LogRing(10);
    for (let i = 0; i < 10; i++) ring.push('stdout', 0, `l${i}`, 1);
    ring.resize(3);
    expect(ring.capacity).toBe(3);
    expect(ring.tail().map((l) => [l.seq, l.text])).toEqual([
      [7, 'l7'],
      [8, 'l8'],
      [9, 'l9'],
    ]);
    ring.resize(5);
    ring.push('stdout', 0, Buffer.from('a\nb\nc'), 3);
    expect(ring.tail().map((l) => l.seq)).toEqual([8, 9, 10, 11, 12]);
  });

  it('refuses a capacity below 1 and changes nothing', () => {
    const ring = new LogRing(4);
    expect(() => ring.resize(0)).toThrow(RangeError);
    expect(() => ring.resize(1.5)).toThrow(RangeError);
    expect(ring.capacity).toBe(4);
    ring.resize(1);
    for (let i = 0; i < 3; i++) ring.push('stdout', 0, `l${i}`, 1);
    expect(ring.tail().map((l) => l.text)).toEqual(['l2']);
  });
});

describe('LogFile.reconfigure', () => {
  it('moves to a new path between writes: every line in one file or the other, in order, once', async () => {
    const dir = scratch();
    const file = new LogFile({ path: join(dir, 'a', 'x.log'), maxBytes: 1 << 20, files: 2 });
    for (let i = 0; i < 500; i++) {
      file.writeText([`line ${i}\n`], 'utf8', 1);
      if (i === 250) file.reconfigure({ path: join(dir, 'b', 'x.log'), maxBytes: 1 << 20, files: 2 });
    }
    expect(file.path).toBe(join(dir, 'b', 'x.log'));
    await file.close();
    const read = (p: string): string[] => readFileSync(p, 'utf8').split('\n').filter(Boolean);
    const a = read(join(dir, 'a', 'x.log'));
    const b = read(join(dir, 'b', 'x.log'));
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    expect([...a, ...b]).toEqual(Array.from({ length: 500 }, (_, i) => `line ${i}`));
  });

  it('a lower count removes the compressed files past it; the new size rotates the next write', async () => {
    const dir = scratch();
    const path = join(dir, 'x.log');
    const file = new LogFile({ path, maxBytes: 1024, files: 4 });
    const gz = (): string[] =>
      readdirSync(dir)
        .filter((f) => f.endsWith('.gz'))
        .sort();
    // One write of 1.5 KiB each: a rotation before every one after the first.
    const chunk = `${'y'.repeat(1535)}\n`;
    let written = 0;
    await pollUntil(
      () => {
        if (written < 8) {
          file.writeText([chunk], 'utf8', 1);
          written++;
        }
        return gz().join() === 'x.log.1.gz,x.log.2.gz,x.log.3.gz,x.log.4.gz';
      },
      10_000,
      10,
      'four compressed files',
    );
    file.reconfigure({ path, maxBytes: 1 << 20, files: 1 });
    await pollUntil(() => gz().join() === 'x.log.1.gz', 10_000, 10, `one compressed file, not ${gz().join()}`);
    // 1 MiB now: these go into the file as it is, no rotation.
    for (let i = 0; i < 3; i++) file.writeText([chunk], 'utf8', 1);
    await file.close();
    expect(gz()).toEqual(['x.log.1.gz']);
    expect(readFileSync(path, 'utf8').length).toBe(chunk.length * 4);
  });
});

describe('LogFile.reconfigure back to a folder it left', () => {
  it.each([
    ['A → B → A', 'b'],
    ['A → a link to A → A', 'link'],
  ])(
    '%s during a flood of rotations: every line once, in order, no compressed file lost or written twice',
    async (_, via) => {
      const dir = scratch();
      const a = join(dir, 'a', 'x.log');
      if (via === 'link') {
        mkdirSync(join(dir, 'a'));
        symlinkSync(join(dir, 'a'), join(dir, 'link'));
      }
      const b = join(dir, via, 'x.log');
      const options = { maxBytes: 64 * 1024, files: 500 };
      const file = new LogFile({ path: a, ...options });
      let n = 0;
      // ~200 KiB a write, past maxBytes: each write rotates, and compression falls behind.
      const chunk = (): string => {
        let text = '';
        for (let i = 0; i < 2000; i++) text += `L${String(n++).padStart(8, '0')} ${'z'.repeat(90)}\n`;
        return text;
      };
      const write = (): void => void file.writeText([chunk()], 'utf8', 2000);
      const pendingIn = (p: string): string[] =>
        readdirSync(join(p, '..')).filter((f) => f.includes('.pending-') || f.endsWith('.tmp'));
      for (let i = 0; i < 30; i++) write();
      await pollUntil(() => pendingIn(a).length >= 3, 10_000, 1, 'a backlog of rotated files in a');
      file.reconfigure({ path: b, ...options });
      write();
      // Taken between two writes (not seen from outside but in the file's options).
      const taken = (): string => (file as unknown as { options: { path: string } }).options.path;
      await pollUntil(() => taken() === b, 10_000, 1, 'the log moved to b');
      // Back while a's compressor still works through its backlog.
      file.reconfigure({ path: a, ...options });
      for (let i = 0; i < 30; i++) write();
      await pollUntil(
        () => pendingIn(a).length === 0 && pendingIn(b).length === 0,
        30_000,
        10,
        'every rotated file compressed',
      );
      await file.close();
      expect(file.lastError).toBeNull();
      const linesOf = (path: string): string[] => {
        const names = readdirSync(join(path, '..'))
          .map((f) => /^x\.log\.(\d+)\.gz$/.exec(f))
          .filter((m): m is RegExpExecArray => m !== null)
          .map((m) => Number(m[1]))
          .sort((x, y) => y - x);
        const texts = names.map((k) => gunzipSync(readFileSync(`${path}.${k}.gz`)).toString('utf8'));
        texts.push(readFileSync(path, 'utf8'));
        return texts.join('').split('\n').filter(Boolean);
      };
      const inA = linesOf(a);
      const inB = via === 'link' ? [] : linesOf(b);
      // On disk in a, oldest to newest: the numbers only go up.
      const numbers = inA.map((l) => Number(l.slice(1, 9)));
      expect(numbers).toEqual([...numbers].sort((x, y) => x - y));
      const all = [...inA, ...inB].map((l) => Number(l.slice(1, 9))).sort((x, y) => x - y);
      expect(all).toEqual(Array.from({ length: n }, (_, i) => i));
    },
  );
});
