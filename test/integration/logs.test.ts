/**
 * Logs under stress (reliability.md 16–18): a 1,000,000-line flood loses nothing on disk,
 * keeps memory bounded and the control API answering; invalid UTF-8 and a 10 MB line are
 * cut and marked; a full disk drops lines, counts them and never stops the backend.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { FastifyInstance } from 'fastify';
import { createRuntime, type SupervisorRuntime } from '../../src/main/core/runtime';
import { CUT_MARKER } from '../../src/main/core/line-splitter';
import { readLogLines, type ReadProblems } from '../../src/main/core/log-reader';
import { createControlServer } from '../../src/main/server/control-server';
import { freePort, pollUntil, tempDir, testConfig, waitForState } from '../helpers/supervise';

let runtime: SupervisorRuntime | null = null;
let server: FastifyInstance | null = null;
let cleanupMount: (() => void) | null = null;
afterEach(async () => {
  await runtime?.shutdown();
  await server?.close();
  cleanupMount?.();
  runtime = null;
  server = null;
  cleanupMount = null;
});

/** Every line of backend.log and its rotated (compressed) files, oldest first, as the reader gives them back. */
async function diskLines(logDir: string): Promise<{ stream: string; text: string }[]> {
  const lines: { stream: string; text: string }[] = [];
  const problems: ReadProblems = { skipped: 0, unreadable: [] };
  for await (const line of readLogLines(join(logDir, 'backend.log'), problems)) lines.push(line);
  expect(problems).toEqual({ skipped: 0, unreadable: [] });
  return lines;
}

describe('logs', () => {
  it('16. a 1,000,000-line flood: every line on disk with the default retention, bounded memory, the API answers', async () => {
    const port = await freePort();
    const N = 1_000_000;
    const config = testConfig(port, {
      logBufferLines: 5_000,
      healthCheckIntervalMs: 60_000,
      env: { PORT: String(port), FLOOD_LINES: String(N) },
    });
    runtime = createRuntime(config);
    server = createControlServer({ ...runtime, token: 'flood-test-token-0123456789' });
    const base = await server.listen({ host: '127.0.0.1', port: 0 });
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    let answered = 0;
    const done = pollUntil(
      () => runtime!.logs.tail().some((l) => l.text === 'flood done'),
      120_000,
      50,
      'the flood to end',
    );
    // stderr's "flood done" may be read before the last stdout lines, which then push it out
    // of any short tail: wait on the poll above, not on the last few lines.
    let finished = false;
    void done.then(
      () => (finished = true),
      () => (finished = true),
    );
    await runtime.supervisor.start('user-ui');
    // While the flood runs, the control API keeps answering.
    while (!finished) {
      const res = await request(`${base}/api/v1/admin/backend/status`, {
        headers: { authorization: 'Bearer flood-test-token-0123456789' },
        headersTimeout: 5_000,
      });
      expect(res.statusCode).toBe(200);
      await res.body.dump();
      answered++;
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      await new Promise((r) => setTimeout(r, 20));
    }
    await done;
    expect(answered).toBeGreaterThan(0);
    expect(runtime.logs.tail()).toHaveLength(5_000);
    await runtime.shutdown(); // flushes the files (shutdown is idempotent)
    // The defaults (10 MiB × 20 rotated files) keep them all; the rotated ones are compressed.
    expect(config.logFileCount).toBe(20);
    const flood = (await diskLines(runtime.logDir)).filter((l) => l.text.startsWith('flood line '));
    expect(flood).toHaveLength(N);
    expect(new Set(flood.map((l) => l.text)).size).toBe(N);
    expect(readdirSync(runtime.logDir).some((f) => /^backend\.log\.\d+\.gz$/.test(f))).toBe(true);
    expect(flood[0]?.text).toMatch(/^flood line 0 /);
    expect(flood[N - 1]?.text).toMatch(new RegExp(`^flood line ${N - 1} `));
    expect(runtime.logs.droppedLines).toBe(0);
    // ~60 MB went through; memory must not hold it.
    expect(peakRss - rssBefore).toBeLessThan(150 * 1024 * 1024);
  });

  it('17. invalid UTF-8 and a 10 MB line with no newline: replaced, cut, marked, no crash', async () => {
    const port = await freePort();
    runtime = createRuntime(testConfig(port, { env: { PORT: String(port), BAD_OUTPUT: '1' } }));
    await runtime.supervisor.start('user-ui');
    await pollUntil(
      () => runtime!.logs.tail().some((l) => l.text === 'after the huge line'),
      20_000,
      25,
      'the line after',
    );
    const lines = runtime.logs.tail();
    expect(lines.some((l) => l.text === 'bad: \uFFFD\uFFFD\uFFFD(')).toBe(true);
    const cut = lines.find((l) => l.text.endsWith(CUT_MARKER));
    expect(cut?.text.length).toBe(16 * 1024 + CUT_MARKER.length);
    expect(runtime.supervisor.currentState).toBe('running');
  });

  it('18. a full disk: lines dropped and counted, the backend keeps running', async () => {
    const port = await freePort();
    const logDir = join(tempDir(), 'logs');
    mkdirSync(logDir);
    // A 64 KiB tmpfs fills after a few hundred lines (ENOSPC). Mounting needs root (CI runs
    // as root); elsewhere the log file is a device it cannot write as a file, another disk
    // error with the same expected behaviour.
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', logDir]).status === 0;
    if (mounted) cleanupMount = () => void spawnSync('umount', ['-l', logDir]);
    else symlinkSync('/dev/full', join(logDir, 'backend.log'));
    runtime = createRuntime(testConfig(port, { logDir, env: { PORT: String(port), FLOOD_LINES: '5000' } }));
    const { pid } = await runtime.supervisor.start('user-ui');
    await pollUntil(() => runtime!.logs.tail().some((l) => l.text === 'flood done'), 20_000, 25, 'the flood to end');
    await pollUntil(() => runtime!.logs.droppedLines > 0, 5_000, 25, 'dropped lines to be counted');
    const reason = mounted ? /backend log file: .*ENOSPC/ : /backend log file: .*not a file/;
    expect(runtime.logs.tail().some((l) => reason.test(l.text))).toBe(true);
    const metrics = await runtime.metrics.metrics();
    expect(metrics).toMatch(/^backend_log_lines_dropped_total\{service="backend"\} [1-9]\d*$/m);
    await waitForState(runtime.supervisor, 'running', 1_000);
    expect(runtime.supervisor.status().pid).toBe(pid);
  });
});
