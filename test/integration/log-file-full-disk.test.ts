/**
 * A service log on a disk that fills (a real, small tmpfs): every line written is either on
 * disk, whole, or counted in `dropped`. None is lost uncounted, none is torn on disk, not even
 * the one a partial write cut (the kernel writes what fits, then refuses the rest).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { frameLines } from '../../src/main/core/log-format';
import { LogFile } from '../../src/main/core/log-file';
import { readLogLines, type ReadProblems } from '../../src/main/core/log-reader';
import { tempDir } from '../helpers/supervise';

const ISO = '2026-12-02T01:48:47.825Z';
let cleanupMount: (() => void) | null = null;
afterEach(() => {
  cleanupMount?.();
  cleanupMount = null;
});

/** Mounts a `size` tmpfs on a new folder. */
function smallDisk(size: string): string {
  const dir = tempDir('bsup-full-disk-');
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status === 0;
  expect(mounted, 'mounting a tmpfs (run as root)').toBe(true);
  cleanupMount = () => void spawnSync('umount', ['-l', dir]);
  return dir;
}

/** Line `i`'s text: `line <i> ` padded with x to 97 characters (so 128 bytes framed, with its time and stream). */
const textOf = (i: number): string => `line ${i} `.padEnd(97, 'x');

/**
 * Writes lines 0…`total - 1` in batches of `per` (a batch of an odd size, so batches do not
 * line up with the disk's pages), waiting for `drain` whenever the file asks.
 */
async function writeAll(file: LogFile, total: number, per: number): Promise<void> {
  for (let i = 0; i < total; i += per) {
    const texts = Array.from({ length: Math.min(per, total - i) }, (_, k) => textOf(i + k));
    const parts = frameLines(ISO, 'stdout', Buffer.from(texts.join('\n')).toString('latin1'));
    if (!file.writeText(parts, 'latin1', texts.length)) await new Promise<void>((r) => file.once('drain', () => r()));
  }
}

describe('LogFile on a disk that fills', () => {
  it('keeps every line whole on disk or counts it dropped: on disk + dropped = written, none torn', async () => {
    const dir = smallDisk('2m');
    const path = join(dir, 'backend.log');
    const TOTAL = 40_000; // 5.1 MB framed: more than twice the disk
    const file = new LogFile({ path, maxBytes: 512 * 1024, files: 100, reopenDelayMs: 10 });
    file.on('error', () => undefined);
    await writeAll(file, TOTAL, 37);
    await file.close();

    const problems: ReadProblems = { skipped: 0, unreadable: [] };
    const onDisk: string[] = [];
    for await (const line of readLogLines(path, problems)) onDisk.push(line.text);
    expect(problems.unreadable).toEqual([]);
    // A line cut by a partial write would read back short (or be skipped as unreadable).
    const torn = onDisk.filter((text) => !/^line \d+ x+$/.test(text) || text.length !== 97);
    expect(torn, 'torn lines on disk').toEqual([]);
    expect(problems.skipped).toBe(0);
    // Each line at most once, in order.
    const numbers = onDisk.map((text) => Number(text.split(' ')[1]));
    expect(numbers.every((n, k) => k === 0 || n > (numbers[k - 1] as number))).toBe(true);
    expect(file.dropped, 'the disk filled: some lines were refused').toBeGreaterThan(0);
    expect(onDisk.length + file.dropped).toBe(TOTAL);
  });
});
