/**
 * The service log on disk: LogFile rotates by size and the rotated files are compressed in
 * the background into `name.1.gz` … `name.N.gz`; readLogLines reads them all back, oldest
 * first, in both the text format and the JSON lines of older versions, whose uncompressed
 * rotated files a new start adopts.
 */
import { mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { frameLines } from '../../src/main/core/log-format';
import { LogFile } from '../../src/main/core/log-file';
import { readLogLines, type ReadProblems } from '../../src/main/core/log-reader';
import { pollUntil, tempDir } from '../helpers/supervise';

const ISO = '2026-12-02T01:48:47.825Z';
let open: LogFile | null = null;
afterEach(async () => {
  await open?.close();
  open = null;
});

/** Writes lines `from`…`to - 1` (`line <i> xxx…`, 100 bytes on disk) in batches of `per`. */
function writeLines(file: LogFile, from: number, to: number, per = 10): void {
  for (let i = from; i < to; i += per) {
    const texts = Array.from({ length: Math.min(per, to - i) }, (_, k) => `line ${i + k} `.padEnd(100 - 30, 'x'));
    file.writeText(frameLines(ISO, 'stdout', Buffer.from(texts.join('\n')).toString('latin1')), 'latin1', texts.length);
  }
}

async function readAll(path: string, problems?: ReadProblems): Promise<string[]> {
  const texts: string[] = [];
  let seq = 0;
  for await (const line of readLogLines(path, problems)) {
    expect(line.seq).toBe(seq++);
    texts.push(line.text);
  }
  return texts;
}

const filesIn = (dir: string): string[] => readdirSync(dir).sort();
const settled = (dir: string) => (): boolean => !filesIn(dir).some((f) => f.includes('.pending-') || f.endsWith('.1'));

describe('LogFile on disk', () => {
  it('rotates by size, compresses the rotated files and keeps `files` of them; every kept line reads back in order', async () => {
    const dir = tempDir();
    const path = join(dir, 'backend.log');
    open = new LogFile({ path, maxBytes: 4 * 1024, files: 3 });
    // 100 lines of 100 bytes: 10 KB a round, past the 4 KiB the file rotates at.
    for (let round = 0; round < 5; round++) {
      const last = (round + 1) * 100 - 1;
      writeLines(open, round * 100, last + 1);
      await pollUntil(
        async () => settled(dir)() && (await readAll(path)).some((t) => t.startsWith(`line ${last} `)),
        10_000,
        10,
        `line ${last} on disk and the rotated files compressed`,
      );
    }
    // One line more, under the size: it stays in the live file, which is what `tail -f` shows.
    writeLines(open, 500, 501);
    await pollUntil(() => readFileSync(path, 'utf8').includes('line 500 '), 10_000, 10, 'line 500');
    expect(readFileSync(path, 'utf8')).toMatch(new RegExp(`^${ISO} out line 500 x+\n$`));
    await open.close();
    open = null;
    const files = filesIn(dir);
    expect(files).toEqual(['backend.log', 'backend.log.1.gz', 'backend.log.2.gz', 'backend.log.3.gz']);
    for (const f of files.filter((name) => name.endsWith('.gz'))) {
      expect([...readFileSync(join(dir, f)).subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    }
    const texts = await readAll(path);
    const numbers = texts.map((t) => Number(/^line (\d+) /.exec(t)?.[1]));
    // The newest lines, contiguous, up to the last one written.
    expect(numbers.at(-1)).toBe(500);
    expect(numbers).toEqual(numbers.map((_, k) => 500 - (numbers.length - 1) + k));
    expect(numbers.length).toBeGreaterThan(3 * 40);
  });

  it('answers false past its queue mark and drains, nothing lost', async () => {
    const dir = tempDir();
    const path = join(dir, 'backend.log');
    open = new LogFile({ path, maxBytes: 64 * 1024 * 1024, files: 2 });
    const big = Array.from({ length: 6_000 }, (_, i) => `line ${i} `.padEnd(99, 'y')).join('\n');
    const drained = new Promise<void>((resolve) => open!.once('drain', resolve));
    expect(open.writeText(frameLines(ISO, 'stderr', big), 'latin1', 6_000)).toBe(false);
    expect(open.backpressured).toBe(true);
    await drained;
    expect(open.backpressured).toBe(false);
    await open.close();
    open = null;
    const texts = await readAll(path);
    expect(texts).toHaveLength(6_000);
    expect(texts[5_999]).toMatch(/^line 5999 y+$/);
  });

  it('adopts the uncompressed rotated JSON files of an older version: compressed in their order, read back before the new lines', async () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'backend.log');
    const json = (texts: string[]): string =>
      texts.map((text, seq) => JSON.stringify({ seq, ts: ISO, stream: 'stdout', text })).join('\n') + '\n';
    // backend.log.3 is the oldest (logrotate's order), backend.log (live) the newest.
    const old = [3, 2, 1].map((n, k) => ({ n, texts: [`old ${k}a`, `old ${k}b`] }));
    old.forEach(({ n, texts }, k) => {
      writeFileSync(`${path}.${n}`, json(texts));
      const t = new Date(Date.parse(ISO) - (10 - k) * 60_000);
      utimesSync(`${path}.${n}`, t, t);
    });
    writeFileSync(path, json(['old live']));
    open = new LogFile({ path, maxBytes: 64 * 1024, files: 5 });
    writeLines(open, 0, 2, 2);
    await pollUntil(settled(dir), 10_000, 10, 'the old files to be compressed');
    await open.close();
    open = null;
    expect(filesIn(dir)).toEqual(['backend.log', 'backend.log.1.gz', 'backend.log.2.gz', 'backend.log.3.gz']);
    expect((await readAll(path)).map((t) => t.replace(/ x+$/, ''))).toEqual([
      'old 0a',
      'old 0b',
      'old 1a',
      'old 1b',
      'old 2a',
      'old 2b',
      'old live',
      'line 0',
      'line 1',
    ]);
  });

  it('reads what it can of a broken file: a line of no format is skipped and counted, a cut .gz says so', async () => {
    const dir = tempDir();
    const path = join(dir, 'backend.log');
    const whole = gzipSync(Buffer.from(`${ISO} out one\n${ISO} out two\n`.repeat(2_000)));
    writeFileSync(`${path}.1.gz`, whole.subarray(0, whole.length - 20));
    writeFileSync(path, `torn li\n${ISO} err three\n`);
    const problems: ReadProblems = { skipped: 0, unreadable: [] };
    const texts = await readAll(path, problems);
    expect(texts.length).toBeGreaterThan(1_000);
    expect(texts.slice(-1)).toEqual(['three']);
    expect(problems.skipped).toBe(1);
    expect(problems.unreadable).toEqual([expect.stringMatching(/backend\.log\.1\.gz: /)]);
  });
});
