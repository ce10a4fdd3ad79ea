/**
 * `backend-supervisor serve` at start and at stop, as a real process: the data-folder lock,
 * unusable data and log folders, duration bounds and decimal-only numbers, and the stop
 * signals (SIGTERM, a second signal; SIGHUP reloads). Each failure case must end with exit code 2
 * and one line on stderr, within seconds.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_INTERVAL_MS, MAX_WAIT_MS } from '../../src/shared/config';
import { startHeadless, type HeadlessServer } from '../helpers/headless-server';
import { FAULT_BACKEND, freePort, groupAlive, pidAlive, pollUntil, tempDir } from '../helpers/supervise';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'backend-supervisor.js');

/** A failing start must end well within this, ms (they take ~0.3 s; a hang or a loop must not pass). */
const FAIL_DEADLINE_MS = 10_000;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs `serve …` to its end; one that is still running after `deadlineMs` is killed
 * (SIGKILL, its group too) and answers code null, so a hang fails the test instead of
 * stalling it.
 */
function runServe(args: string[], env: Record<string, string>, deadlineMs = FAIL_DEADLINE_MS): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'serve', ...args], {
      env: { ...process.env, CONTROL_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // gone
      }
    }, deadlineMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      // 'exit' may come before the pipes are drained.
      setImmediate(() => resolve({ code: signal === 'SIGKILL' ? null : code, signal, stdout, stderr, ms }));
    });
  });
}

function errorLines(run: Run): string[] {
  return run.stderr.split('\n').filter((l) => l.trim() !== '');
}

/** A serve on `dataDir` supervising the fault backend (its pid file, `COUNTER_FILE`, in the folder too). */
async function serveFaultBackend(dataDir: string, env: Record<string, string> = {}): Promise<HeadlessServer> {
  const port = await freePort();
  const server = await startHeadless({
    SUPERVISOR_DATA_DIR: dataDir,
    GO_BACKEND_BINARY: process.execPath,
    BACKEND_ARGS: JSON.stringify([FAULT_BACKEND]),
    GO_BACKEND_URL: `http://127.0.0.1:${port}`,
    PORT: String(port),
    COUNTER_FILE: join(dataDir, 'spawns'),
    ...env,
  });
  cleanups.push(async () => {
    if (server.process.exitCode === null && server.process.signalCode === null) {
      server.process.kill('SIGCONT');
      server.process.kill('SIGKILL');
    }
  });
  await pollUntil(() => server.output().includes('Backend started successfully'), 15_000, 25, 'the backend to start');
  return server;
}

function spawnedPids(dataDir: string): number[] {
  const file = join(dataDir, 'spawns');
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map(Number) : [];
}

function exitOf(server: HeadlessServer): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const child = server.process;
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('one supervisor per data folder (issue 9, item 4)', () => {
  it('a second serve on the folder exits 2 with one line naming the folder and the holder; the first runs on', async () => {
    const dataDir = tempDir('bsup-lock-');
    const first = await serveFaultBackend(dataDir);
    const backend = spawnedPids(dataDir)[0] as number;
    const pidFileBefore = readFileSync(join(dataDir, 'backend.pid'), 'utf8');
    const tokenBefore = readFileSync(join(dataDir, 'control-read-token'), 'utf8');

    const second = await runServe([], {
      SUPERVISOR_DATA_DIR: dataDir,
      GO_BACKEND_BINARY: process.execPath,
      BACKEND_ARGS: JSON.stringify([FAULT_BACKEND]),
      GO_BACKEND_URL: `http://127.0.0.1:${first.backendPort}`,
      CONTROL_TOKEN: 'another-token-0123456789abcdef',
    });
    expect(second.code).toBe(2);
    expect(errorLines(second)).toEqual([
      `backend-supervisor: the data folder ${realpathSync(dataDir)} is in use by another supervisor (pid ${first.process.pid}); stop it or use another SUPERVISOR_DATA_DIR`,
    ]);
    expect(second.stdout).toBe('');
    // The first one and its backend are untouched: same backend, one spawn, same files.
    expect(spawnedPids(dataDir)).toEqual([backend]);
    expect(pidAlive(backend)).toBe(true);
    expect(readFileSync(join(dataDir, 'backend.pid'), 'utf8')).toBe(pidFileBefore);
    expect(readFileSync(join(dataDir, 'control-read-token'), 'utf8')).toBe(tokenBefore);
    const status = await fetch(`${first.url}/api/v1/admin/backend/status`, {
      headers: { authorization: `Bearer ${first.token}` },
    });
    expect(status.status).toBe(200);
    expect(((await status.json()) as { pid: number }).pid).toBe(backend);
    expect(await first.stop()).toBe(0);
  });

  it('the lock dies with its holder: after kill -9 of the first, a new serve starts on the folder', async () => {
    const dataDir = tempDir('bsup-lock-');
    const first = await serveFaultBackend(dataDir);
    first.process.kill('SIGKILL');
    await exitOf(first);
    const next = await serveFaultBackend(dataDir);
    expect(next.output()).not.toContain('in use by another supervisor');
    expect(await next.stop()).toBe(0);
  });

  it('a holder that is stopped (SIGSTOP) still holds it: exit 2 at once, naming its pid from the lock file', async () => {
    const dataDir = tempDir('bsup-lock-');
    const first = await serveFaultBackend(dataDir);
    first.process.kill('SIGSTOP');
    try {
      const second = await runServe(['--no-start'], { SUPERVISOR_DATA_DIR: dataDir });
      expect(second.code).toBe(2);
      expect(errorLines(second)).toEqual([
        `backend-supervisor: the data folder ${realpathSync(dataDir)} is in use by another supervisor (pid ${first.process.pid}); stop it or use another SUPERVISOR_DATA_DIR`,
      ]);
    } finally {
      first.process.kill('SIGCONT');
    }
    expect(await first.stop()).toBe(0);
  });
});

describe('unusable data and log folders (issue 9, item 8)', () => {
  const base = tempDir('bsup-folders-');
  const aFile = join(base, 'a-file');
  writeFileSync(aFile, 'not a folder\n');
  it.each([
    [
      'the data folder under a regular file',
      { SUPERVISOR_DATA_DIR: join(aFile, 'data') },
      join(aFile, 'data'),
      /ENOTDIR/,
    ],
    [
      'the log folder under a regular file',
      { SUPERVISOR_DATA_DIR: join(base, 'data-1'), LOG_DIR: join(aFile, 'logs') },
      join(aFile, 'logs'),
      /ENOTDIR/,
    ],
    ['the data folder in /proc', { SUPERVISOR_DATA_DIR: '/proc/1/nope' }, '/proc/1/nope', /ENOENT/],
    [
      'the log folder in /proc',
      { SUPERVISOR_DATA_DIR: join(base, 'data-2'), LOG_DIR: '/proc/1/nope' },
      '/proc/1/nope',
      /ENOENT/,
    ],
    [
      'a data folder where no file can be written',
      { SUPERVISOR_DATA_DIR: '/proc/1' },
      '/proc/1',
      /cannot write a file/,
    ],
  ])('%s: exit 2 within seconds, one line naming the folder', async (_name, env, folder, problem) => {
    const run = await runServe([], env);
    expect(run.code).toBe(2);
    const lines = errorLines(run);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`backend-supervisor: cannot use the `);
    expect(lines[0]).toContain(` folder ${folder}: `);
    expect(lines[0]).toMatch(problem);
    expect(run.stdout).not.toContain('dashboard');
  });
});

describe('durations are bounded and numbers are decimal (issue 9, item 7)', () => {
  const longest: Record<string, number> = {
    HEALTH_CHECK_INTERVAL: MAX_INTERVAL_MS,
    STARTUP_TIMEOUT: MAX_INTERVAL_MS,
    RESTART_DELAY: MAX_INTERVAL_MS,
    MAX_RESTART_DELAY: MAX_INTERVAL_MS,
    RESTART_RESET_AFTER: MAX_INTERVAL_MS,
    HEALTH_CHECK_TIMEOUT: MAX_WAIT_MS,
    HEALTH_CONFIRM_DELAY: MAX_WAIT_MS,
    STOP_TIMEOUT: MAX_WAIT_MS,
  };

  it('every duration at its maximum starts and the backend runs', async () => {
    const env = Object.fromEntries(Object.entries(longest).map(([name, ms]) => [name, String(ms / 1000)]));
    const server = await serveFaultBackend(tempDir('bsup-bounds-'), env);
    const status = await fetch(`${server.url}/api/v1/admin/backend/status`, {
      headers: { authorization: `Bearer ${server.token}` },
    });
    expect(status.status).toBe(200);
    expect(((await status.json()) as { status: string }).status).toBe('running');
    expect(await server.stop()).toBe(0);
  });

  it.each(Object.entries(longest))(
    '%s one millisecond past its maximum: exit 2, one line in seconds',
    async (name, ms) => {
      const run = await runServe(['--no-start'], { [name]: String((ms + 1) / 1000), SUPERVISOR_DATA_DIR: tempDir() });
      expect(run.code).toBe(2);
      expect(errorLines(run)).toEqual([
        `backend-supervisor: invalid configuration: ${name}: must be at most ${ms / 1000} s`,
      ]);
    },
  );

  it.each([
    ['STOP_TIMEOUT', '0x10', 'is not a number of seconds (e.g. 5 or 0.5)'],
    ['STOP_TIMEOUT', '1e3', 'is not a number of seconds (e.g. 5 or 0.5)'],
    ['HEALTH_CHECK_INTERVAL', 'Infinity', 'is not a number of seconds (e.g. 5 or 0.5)'],
    ['HEALTH_CHECK_INTERVAL', '0b11', 'is not a number of seconds (e.g. 5 or 0.5)'],
    ['MAX_RESTART_ATTEMPTS', '0x10', 'is not a whole number'],
    ['LOG_FILE_COUNT', '0o7', 'is not a whole number'],
    ['LOG_FILE_MAX_MB', '0x10', 'is not a size in MiB (e.g. 10 or 0.5)'],
  ])('%s=%s is refused: decimal only', async (name, value, problem) => {
    const run = await runServe(['--no-start'], { [name]: value, SUPERVISOR_DATA_DIR: tempDir() });
    expect(run.code).toBe(2);
    expect(errorLines(run)).toEqual([
      `backend-supervisor: invalid configuration: ${name}=${JSON.stringify(value)} ${problem}`,
    ]);
  });
});

describe('stop signals (issue 9, item 11)', () => {
  it('one SIGTERM is one signal: a graceful stop, exit 0, no forced kill', async () => {
    const dataDir = tempDir('bsup-signals-');
    const server = await serveFaultBackend(dataDir);
    const backend = spawnedPids(dataDir)[0] as number;
    server.process.kill('SIGTERM');
    expect(await exitOf(server)).toEqual({ code: 0, signal: null });
    const output = server.output();
    expect(output).toContain('backend-supervisor: SIGTERM: stopping the backend');
    expect(output).toContain('SIGTERM: exiting'); // the backend's own handler ran: a graceful stop
    expect(output).not.toContain('still stopping');
    expect(output).not.toContain('killing the backend now');
    expect(groupAlive(backend)).toBe(false);
    expect(existsSync(join(dataDir, 'backend.pid'))).toBe(false);
  });

  it.each([
    ['a backend that ignores SIGTERM', { IGNORE_SIGTERM: '1', GRANDCHILDREN: '2' }, 'SIGTERM ignored'],
    [
      'a backend that exits, leaving a grandchild that ignores SIGTERM',
      { GRANDCHILDREN: '1', FIRST_GRANDCHILD_IGNORES_SIGTERM: '1' },
      'SIGTERM: exiting',
    ],
  ])(
    'SIGTERM, then SIGINT while %s holds the stop: the group is killed, serve exits at once',
    async (_name, env, sign) => {
      const dataDir = tempDir('bsup-signals-');
      const server = await serveFaultBackend(dataDir, { ...env, STOP_TIMEOUT: '60' });
      const backend = spawnedPids(dataDir)[0] as number;
      const started = performance.now();
      server.process.kill('SIGTERM');
      await pollUntil(() => server.output().includes(sign), 10_000, 10, 'the backend to see SIGTERM');
      server.process.kill('SIGINT');
      const exit = await Promise.race([
        exitOf(server),
        new Promise<'still running'>((r) => setTimeout(() => r('still running'), 15_000)),
      ]);
      expect(exit).toEqual({ code: 0, signal: null });
      // Far below the 60 s stop timeout.
      expect(performance.now() - started).toBeLessThan(15_000);
      expect(server.output()).toContain('backend-supervisor: second signal (SIGINT): killing the backend now');
      expect(groupAlive(backend)).toBe(false);
      expect(existsSync(join(dataDir, 'backend.pid'))).toBe(false);
    },
  );

  it('SIGHUP reloads instead of stopping (issue 14): the backend keeps its pid; SIGTERM then stops it, exit 0', async () => {
    const dataDir = tempDir('bsup-signals-');
    const server = await serveFaultBackend(dataDir);
    const backend = spawnedPids(dataDir)[0] as number;
    expect(existsSync(join(dataDir, 'backend.pid'))).toBe(true);
    server.process.kill('SIGHUP');
    await pollUntil(
      () => server.output().includes('backend-supervisor: reload: nothing changed'),
      10_000,
      25,
      'reload',
    );
    expect(server.process.exitCode).toBeNull();
    expect(groupAlive(backend)).toBe(true);
    expect(spawnedPids(dataDir)).toEqual([backend]);
    server.process.kill('SIGTERM');
    expect(await exitOf(server)).toEqual({ code: 0, signal: null });
    expect(server.output()).toContain('SIGTERM: exiting');
    expect(groupAlive(backend)).toBe(false);
    expect(existsSync(join(dataDir, 'backend.pid'))).toBe(false);
  });
});
