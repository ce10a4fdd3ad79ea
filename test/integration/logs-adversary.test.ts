/**
 * The log compressor on a real full disk (a small tmpfs): a compression that runs out of
 * room gives up on that file (it stays, plain and readable), removes its half-written
 * `.gz`, says why, and goes on with the next one.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogCompressor } from '../../src/main/core/log-compressor';
import { pollUntil, tempDir } from '../helpers/supervise';

let cleanupMount: (() => void) | null = null;
afterEach(() => {
  cleanupMount?.();
  cleanupMount = null;
});

/** `lines` log lines of incompressible text (base64 of random bytes), ~130 bytes each. */
function noise(lines: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(`2026-12-02T01:48:47.825Z out ${i} ${randomBytes(75).toString('base64')}`);
  return out.join('\n') + '\n';
}

describe('log compressor on a full disk', () => {
  it('gives up a compression that runs out of room: source kept, no half-written .gz, the next file compressed', async () => {
    const dir = tempDir('bsup-adv-full-');
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', dir]).status === 0;
    expect(mounted, 'mounting a tmpfs (run as root)').toBe(true);
    cleanupMount = () => void spawnSync('umount', ['-l', dir]);
    const path = join(dir, 'backend.log');
    const big = noise(45_000); // ~6 MB: its .gz (~4.5 MB) cannot fit beside it
    writeFileSync(`${path}.1`, big);
    const warnings: string[] = [];
    const c = new LogCompressor(path, 20, (err) => warnings.push(err.message));
    c.add(`${path}.1`);
    await pollUntil(() => warnings.length > 0, 30_000, 50, 'the compression to fail');
    expect(warnings[0]).toMatch(/ENOSPC/);
    const pending = readdirSync(dir).filter((f) => f.includes('.pending-'));
    expect(pending).toHaveLength(1);
    expect(readFileSync(join(dir, pending[0] as string), 'utf8')).toBe(big);
    expect(existsSync(`${path}.1.gz.tmp`)).toBe(false);
    // Room again for a small file: the compressor is not stuck on the one that failed.
    writeFileSync(`${path}.1`, 'small\n');
    c.add(`${path}.1`);
    await pollUntil(() => existsSync(`${path}.1.gz`), 30_000, 50, 'the next file to be compressed');
    await c.stop();
  });
});
