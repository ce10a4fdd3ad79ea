/**
 * The log compressor under attack: a link or FIFO planted where it writes, a pending name
 * already taken, and the durability of a compressed file before its source goes.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import fs from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LogCompressor, PENDING_INFIX, rotatedName } from '../../src/main/core/log-compressor';
import { logFilesOf } from '../../src/main/core/log-reader';
import { pollUntil, tempDir } from '../helpers/supervise';

afterEach(() => {
  vi.restoreAllMocks();
});

/** A compressor on `dir/backend.log` whose warnings are collected. */
function compressorIn(dir: string, files = 20): { c: LogCompressor; path: string; warnings: string[] } {
  const path = join(dir, 'backend.log');
  const warnings: string[] = [];
  return { c: new LogCompressor(path, files, (err) => warnings.push(err.message)), path, warnings };
}

describe('log compressor, adversarial', () => {
  it('does not write through a symbolic link planted at its temporary file', async () => {
    const dir = tempDir('bsup-adv-');
    const { c, path } = compressorIn(dir);
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, `${rotatedName(path, 1)}.tmp`);
    writeFileSync(`${path}.1`, 'line one\n');
    c.add(`${path}.1`);
    await c.stop();
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  });

  it('does not hang on a FIFO planted at its temporary file', async () => {
    const dir = tempDir('bsup-adv-');
    const { c, path } = compressorIn(dir);
    execFileSync('mkfifo', [`${rotatedName(path, 1)}.tmp`]);
    writeFileSync(`${path}.1`, 'line one\n');
    c.add(`${path}.1`);
    // Before the fix the open of the FIFO for writing waits for a reader forever.
    await pollUntil(() => existsSync(rotatedName(path, 1)), 10_000);
    await c.stop();
    expect(gunzipSync(readFileSync(rotatedName(path, 1))).toString()).toBe('line one\n');
  });

  it('replaces, never writes through, links planted at a compressed or a pending name; readers skip them', async () => {
    const dir = tempDir('bsup-adv-');
    const { c, path, warnings } = compressorIn(dir);
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, rotatedName(path, 1));
    symlinkSync(victim, `${path}${PENDING_INFIX}${String(Date.now()).padStart(13, '0')}-000000`);
    expect(logFilesOf(path)).toEqual([]);
    writeFileSync(`${path}.1`, 'line one\n');
    c.add(`${path}.1`);
    await pollUntil(() => existsSync(rotatedName(path, 2)), 10_000);
    await c.stop();
    expect(warnings).toEqual([]);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(gunzipSync(readFileSync(rotatedName(path, 1))).toString()).toBe('line one\n');
    expect(logFilesOf(path).map((f) => f.path)).toEqual([rotatedName(path, 1)]);
  });

  it('never renames a rotated file over a pending one of the same stamp (a second instance, a restart)', async () => {
    const dir = tempDir('bsup-adv-');
    const { path } = compressorIn(dir);
    const at = 1_764_000_000_000;
    // What another compressor (counter 0 too) set aside at the same millisecond.
    const taken = `${path}${PENDING_INFIX}${String(at).padStart(13, '0')}-000000`;
    writeFileSync(taken, 'first\n');
    const second = new LogCompressor(path, 20, () => {});
    writeFileSync(`${path}.1`, 'second\n');
    // Stopped first: nothing compressed, only the set-aside rename is looked at.
    await second.stop();
    second.add(`${path}.1`, at);
    const pending = readdirSync(dir).filter((f) => f.includes(PENDING_INFIX));
    expect(pending.map((f) => readFileSync(join(dir, f), 'utf8')).sort()).toEqual(['first\n', 'second\n']);
  });

  it('syncs the compressed file to disk before it deletes its source', async () => {
    const dir = tempDir('bsup-adv-');
    const { c, path, warnings } = compressorIn(dir);
    const events: string[] = [];
    const fsync = fs.fsync;
    vi.spyOn(fs, 'fsync').mockImplementation((fd, cb) => {
      events.push('sync');
      fsync(fd, cb);
    });
    writeFileSync(`${path}.1`, 'line one\n'.repeat(1000));
    c.add(`${path}.1`);
    await pollUntil(() => existsSync(rotatedName(path, 1)), 10_000);
    await c.stop();
    expect(warnings).toEqual([]);
    expect(events).toContain('sync');
    expect(readdirSync(dir).filter((f) => f.includes(PENDING_INFIX))).toEqual([]);
  });
});

describe('log compressor, adopting again while it works (the log file reopened after a disk error)', () => {
  it('neither queues a pending file twice nor deletes the compression under way', async () => {
    const dir = tempDir('bsup-adv-');
    const { c, path, warnings } = compressorIn(dir, 3);
    const texts = ['a', 'b', 'c'].map((k) => `${k} `.repeat(4_000_000) + '\n');
    for (const text of texts) {
      writeFileSync(`${path}.1`, text);
      c.add(`${path}.1`);
    }
    await pollUntil(() => existsSync(`${rotatedName(path, 1)}.tmp`), 30_000, 1, 'a compression under way');
    c.adoptLeftovers();
    await pollUntil(() => existsSync(rotatedName(path, 3)), 30_000, 20, 'three compressed files');
    await c.stop();
    expect(warnings).toEqual([]);
    expect([3, 2, 1].map((n) => gunzipSync(readFileSync(rotatedName(path, n))).toString())).toEqual(texts);
  }, 60_000);
});

describe('log retention when LOG_FILE_COUNT shrinks', () => {
  it('removes the compressed files numbered past the count at the next start', async () => {
    const dir = tempDir('bsup-adv-');
    const path = join(dir, 'backend.log');
    for (let n = 1; n <= 5; n++) writeFileSync(rotatedName(path, n), gzipSync(`rot ${n}\n`));
    const c = new LogCompressor(path, 2, () => {});
    c.adoptLeftovers();
    await c.stop();
    expect(readdirSync(dir).sort()).toEqual(['backend.log.1.gz', 'backend.log.2.gz']);
    expect(gunzipSync(readFileSync(rotatedName(path, 2))).toString()).toBe('rot 2\n');
  });
});
