/**
 * The service log under attack, with real processes and files: the compressor on a full
 * disk (a small tmpfs) gives up a compression that runs out of room (the file stays, plain
 * and readable; no half-written `.gz`) and goes on with the next one; floods across a crash
 * and restart of the backend, rotating every 64 KiB, keep `seq` contiguous in memory and
 * every line on disk, once, in order, and `logs:tail` answers `{seq, ts, stream, text}`.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { FastifyInstance } from 'fastify';
import { LogCompressor } from '../../src/main/core/log-compressor';
import { readLogLines, type ReadProblems } from '../../src/main/core/log-reader';
import { createRuntime, type SupervisorRuntime } from '../../src/main/core/runtime';
import { createControlServer } from '../../src/main/server/control-server';
import { freePort, pollUntil, tempDir, testConfig } from '../helpers/supervise';

let cleanupMount: (() => void) | null = null;
let runtime: SupervisorRuntime | null = null;
let server: FastifyInstance | null = null;
afterEach(async () => {
  await runtime?.shutdown();
  await server?.close();
  cleanupMount?.();
  cleanupMount = null;
  runtime = null;
  server = null;
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

describe('floods across a restart of the backend', () => {
  it('keeps seq contiguous, every line on disk once and in order, and the tail shape', async () => {
    const port = await freePort();
    const N = 30_000;
    const logDir = tempDir('bsup-adv-logs-');
    const config = testConfig(port, {
      logDir,
      logFileMaxBytes: 64 * 1024,
      logFileCount: 1000,
      logBufferLines: 1_000_000,
      healthCheckIntervalMs: 60_000,
      // Each run floods, then crashes; the supervisor restarts it.
      env: { PORT: String(port), FLOOD_LINES: String(N), CRASH_AFTER_MS: '3000' },
    });
    runtime = createRuntime(config);
    server = createControlServer({ ...runtime, token: 'adversary-token-0123456789abc' });
    const base = await server.listen({ host: '127.0.0.1', port: 0 });
    await runtime.supervisor.start('user-ui');
    await pollUntil(
      () => runtime!.logs.tail().filter((l) => l.text === 'flood done').length >= 2,
      120_000,
      50,
      'two floods',
    );
    await runtime.supervisor.stop('user-ui');
    const tail = runtime.logs.tail();
    tail.forEach((line, i) => expect(line.seq).toBe((tail[0] as { seq: number }).seq + i));
    // The backend's lines of both streams, in the order they were read (what the disk must hold).
    const floodTexts = tail.filter((l) => l.stream !== 'supervisor').map((l) => `${l.stream} ${l.ts} ${l.text}`);
    expect(floodTexts.length).toBeGreaterThanOrEqual(2 * N);

    const res = await request(`${base}/api/v1/rpc/logs:tail`, {
      method: 'POST',
      headers: { authorization: 'Bearer adversary-token-0123456789abc', 'content-type': 'application/json' },
      body: '{"args":[{"limit":3}]}',
    });
    const body = (await res.body.json()) as { ok: boolean; data: Record<string, unknown>[] };
    expect(body.ok).toBe(true);
    expect(body.data).toHaveLength(3);
    for (const line of body.data) {
      expect(Object.keys(line).sort()).toEqual(['seq', 'service', 'stream', 'text', 'ts']);
      expect(line.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }

    await runtime.shutdown();
    runtime = null;
    const problems: ReadProblems = { skipped: 0, unreadable: [] };
    const onDisk: string[] = [];
    for await (const line of readLogLines(join(logDir, 'backend.log'), problems)) {
      onDisk.push(`${line.stream} ${line.ts} ${line.text}`);
    }
    expect(problems).toEqual({ skipped: 0, unreadable: [] });
    const runs = floodTexts.filter((t) => t.endsWith(' flood done')).length;
    expect(onDisk).toHaveLength(floodTexts.length);
    for (let i = 0; i < onDisk.length; i++) {
      if (onDisk[i] !== floodTexts[i]) expect(`${i}: ${onDisk[i]}`).toBe(`${i}: ${floodTexts[i]}`);
    }
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(readdirSync(logDir).filter((f) => f.startsWith('backend.log.') && f.endsWith('.gz')).length).toBeGreaterThan(
      10,
    );
  });
});
