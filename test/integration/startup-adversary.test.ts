/**
 * `backend-supervisor serve` attacked at start and at stop, as a real process: the
 * data-folder lock against another user (who could bind the old abstract socket name) and
 * against racing starts, one folder through several spellings, folders other users can
 * change, signals the supervisor must not die of (SIGUSR1 opened the inspector, SIGUSR2
 * ended it), a console that went away (`serve | head -1`: EPIPE) or stopped reading (a full
 * pipe at stop), and stop signals during the start-up.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCK_FILE_NAME } from '../../src/main/core/data-dir-lock';
import { CONSOLE_FLUSH_AT_EXIT_MS } from '../../src/main/console-output';
import { FAULT_BACKEND, freePort, groupAlive, pidAlive, pollUntil, tempDir } from '../helpers/supervise';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'backend-supervisor.js');

/** Another user to play the attacker: `nobody` through setpriv (util-linux), as root only. */
const AS_NOBODY = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'];
const canBeNobody = process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0;

/** A run that must end ends well within this, ms (they take ~0.5 s; a hang must fail, not stall). */
const END_DEADLINE_MS = 15_000;

interface Serve {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit once the process ended; code null when the deadline killed it. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
});

/** Starts `serve …` in its own process group; killed (group and all) at the end of the test. */
function serve(
  args: string[],
  env: Record<string, string>,
  options: { cwd?: string; readStdout?: boolean } = {},
): Serve {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    env: { ...process.env, CONTROL_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    cwd: options.cwd,
  });
  let out = '';
  const keep = (c: Buffer): void => {
    if (out.length < 256 * 1024) out += c.toString();
  };
  if (options.readStdout !== false) child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => setImmediate(() => resolve({ code, signal }))),
  );
  cleanups.push(() => {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // gone
    }
  });
  return { child, output: () => out, exit };
}

/** Waits for the exit, at most `ms`; 'still running' past it. */
function exitWithin(
  run: Serve,
  ms = END_DEADLINE_MS,
): Promise<{ code: number | null; signal: NodeJS.Signals | null } | 'still running'> {
  return Promise.race([run.exit, new Promise<'still running'>((r) => setTimeout(() => r('still running'), ms))]);
}

/** Waits until serve printed its dashboard line (it holds the lock then) or ended. */
async function listening(run: Serve): Promise<void> {
  await pollUntil(
    () => run.output().includes('backend-supervisor: dashboard') || run.child.exitCode !== null,
    END_DEADLINE_MS,
    20,
    'the dashboard line',
  );
  if (run.child.exitCode !== null) throw new Error(`serve ended early:\n${run.output()}`);
}

/** The environment of a serve that supervises the fault backend on a free port. */
async function faultBackendEnv(dataDir: string, env: Record<string, string> = {}): Promise<Record<string, string>> {
  const port = await freePort();
  return {
    SUPERVISOR_DATA_DIR: dataDir,
    GO_BACKEND_BINARY: process.execPath,
    BACKEND_ARGS: JSON.stringify([FAULT_BACKEND]),
    GO_BACKEND_URL: `http://127.0.0.1:${port}`,
    PORT: String(port),
    COUNTER_FILE: join(dataDir, 'spawns'),
    HEALTH_CHECK_INTERVAL: '1',
    ...env,
  };
}

function spawnedPids(dataDir: string): number[] {
  const file = join(dataDir, 'spawns');
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map(Number) : [];
}

function inUseLine(folder: string, pid: number): string {
  return `backend-supervisor: the data folder ${folder} is in use by another supervisor (pid ${pid}); stop it or use another SUPERVISOR_DATA_DIR`;
}

describe.runIf(canBeNobody)('the data-folder lock against another user', () => {
  it('a lock name bound first by another user (the abstract socket of 5023c63) neither blocks the start nor is trusted', async () => {
    const dataDir = tempDir('bsup-squat-');
    // What the lock was on 5023c63: an abstract socket named after a hash of the real path,
    // which any user can compute and bind. The squatter answers "pid 1" to any question.
    const hash = createHash('sha256').update(realpathSync(dataDir)).digest('hex').slice(0, 32);
    const squatter = spawn(
      AS_NOBODY[0] as string,
      [
        ...AS_NOBODY.slice(1),
        process.execPath,
        '-e',
        `require('net').createServer((s) => s.end('1\\n')).listen('\\0' + process.argv[1], () => console.log('bound'))`,
        `backend-supervisor-${hash}`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    cleanups.push(() => squatter.kill('SIGKILL'));
    await new Promise<void>((resolve) => squatter.stdout?.once('data', () => resolve()));

    const run = serve(['--no-start'], { SUPERVISOR_DATA_DIR: dataDir });
    await listening(run);
    expect(run.output()).not.toContain('in use by another supervisor');

    // The lock is a file only its owner can open: the other user can neither take it nor
    // read the holder's pid (the data folder is 0700, the file 0600).
    const lockFile = join(realpathSync(dataDir), LOCK_FILE_NAME);
    expect(readFileSync(lockFile, 'utf8')).toBe(`${run.child.pid}\n`);
    const take = spawnSync(AS_NOBODY[0] as string, [...AS_NOBODY.slice(1), 'flock', '--nonblock', lockFile, 'true']);
    expect(take.status).not.toBe(0);
    expect(take.stderr.toString()).toMatch(/Permission denied/);
    const probe = spawnSync(AS_NOBODY[0] as string, [...AS_NOBODY.slice(1), 'cat', lockFile]);
    expect(probe.status).not.toBe(0);

    run.child.kill('SIGTERM');
    expect(await exitWithin(run)).toEqual({ code: 0, signal: null });
  });
});

describe('the data-folder lock against racing starts', () => {
  it('two starts at once on a folder whose holder was killed with SIGKILL: exactly one wins, 20 times out of 20', async () => {
    const dataDir = tempDir('bsup-race-');
    const killed = serve(['--no-start'], { SUPERVISOR_DATA_DIR: dataDir });
    await listening(killed);
    killed.child.kill('SIGKILL');
    await killed.exit;
    // Its lock file stays behind, with its pid: the kernel dropped the lock, not the file.
    expect(readFileSync(join(dataDir, LOCK_FILE_NAME), 'utf8')).toBe(`${killed.child.pid}\n`);

    for (let round = 1; round <= 20; round++) {
      const pair = [0, 1].map(() => serve(['--no-start'], { SUPERVISOR_DATA_DIR: dataDir }));
      // One of them exits 2 naming the other; the other one listens.
      const loser = await Promise.race(pair.map((run, i) => run.exit.then(() => i)));
      const winner = pair[1 - loser] as Serve;
      const lost = pair[loser] as Serve;
      expect({ round, code: lost.child.exitCode }).toEqual({ round, code: 2 });
      expect(lost.output().trim()).toBe(inUseLine(realpathSync(dataDir), winner.child.pid as number));
      await listening(winner);
      winner.child.kill('SIGTERM');
      expect(await exitWithin(winner)).toEqual({ code: 0, signal: null });
    }
  });

  it('one folder through a symbolic link, a relative path, a trailing slash, `..`: one lock', async () => {
    const base = tempDir('bsup-spell-');
    const dataDir = join(base, 'data');
    mkdirSync(dataDir, { mode: 0o700 });
    symlinkSync(dataDir, join(base, 'link'));
    const holder = serve(['--no-start'], { SUPERVISOR_DATA_DIR: dataDir });
    await listening(holder);
    const real = realpathSync(dataDir);
    for (const [spelling, cwd] of [
      [join(base, 'link'), undefined],
      [`${dataDir}/`, undefined],
      ['data', base],
      ['./link/', base],
      [join(base, 'link', '..', 'data'), undefined],
      [join(base, 'link') + '/.', undefined],
    ] as const) {
      const second = serve(['--no-start', '--data-dir', spelling], {}, { cwd });
      expect(await exitWithin(second)).toEqual({ code: 2, signal: null });
      expect({ spelling, output: second.output().trim() }).toEqual({
        spelling,
        output: inUseLine(real, holder.child.pid as number),
      });
    }
    holder.child.kill('SIGTERM');
    expect(await exitWithin(holder)).toEqual({ code: 0, signal: null });
  });

  it('a folder named with spaces, non-ASCII letters and a long path (past the 108 bytes of a socket path) is locked too', async () => {
    const base = tempDir('bsup-names-');
    const dataDir = join(base, 'a folder with spaces', 'ünïcødé ☃', 'x'.repeat(120));
    const holder = serve(['--no-start'], { SUPERVISOR_DATA_DIR: dataDir });
    await listening(holder);
    expect(Buffer.byteLength(join(dataDir, LOCK_FILE_NAME))).toBeGreaterThan(108);
    const second = serve(['--no-start'], { SUPERVISOR_DATA_DIR: dataDir });
    expect(await exitWithin(second)).toEqual({ code: 2, signal: null });
    expect(second.output().trim()).toBe(inUseLine(realpathSync(dataDir), holder.child.pid as number));
    holder.child.kill('SIGTERM');
    expect(await exitWithin(holder)).toEqual({ code: 0, signal: null });
  });
});

describe('a folder name with a newline', () => {
  it('is locked, and every line naming it stays one line (the newline escaped)', async () => {
    const dataDir = join(tempDir('bsup-newline-'), 'line one\nbackend-supervisor: forged');
    const holder = serve(['--no-start'], { SUPERVISOR_DATA_DIR: dataDir });
    await listening(holder);
    const escaped = realpathSync(dataDir).replace('\n', '\\n');
    await pollUntil(() => holder.output().includes('backend-supervisor: logs in'), END_DEADLINE_MS, 20, 'the banner');
    expect(holder.output()).toContain(`backend-supervisor: logs in ${escaped}/logs\n`);
    expect(holder.output()).not.toMatch(/^backend-supervisor: forged/m);
    const second = serve(['--no-start'], { SUPERVISOR_DATA_DIR: dataDir });
    expect(await exitWithin(second)).toEqual({ code: 2, signal: null });
    expect(second.output()).toBe(`${inUseLine(escaped, holder.child.pid as number)}\n`);
    holder.child.kill('SIGTERM');
    expect(await exitWithin(holder)).toEqual({ code: 0, signal: null });
  });
});

describe('a data folder that other users can change is refused', () => {
  it.each([
    ['writable by everyone', 0o777],
    ['writable by everyone, with the sticky bit (like /tmp)', 0o1777],
    ['writable by its group', 0o770],
  ])('%s: exit 2, one line naming the folder and the mode, nothing written', async (_name, mode) => {
    const dataDir = tempDir('bsup-mode-');
    // Its group is one other users are in (nogroup), not our private group.
    chownSync(dataDir, process.getuid?.() ?? 0, 65534);
    chmodSync(dataDir, mode);
    const run = serve([], await faultBackendEnv(dataDir));
    expect(await exitWithin(run)).toEqual({ code: 2, signal: null });
    expect(run.output().trim()).toBe(
      `backend-supervisor: cannot use the data folder ${realpathSync(dataDir)}: it is writable by other users (mode ${mode.toString(8).padStart(4, '0')}), who could change its settings and so the command it runs; run chmod go-w ${realpathSync(dataDir)}`,
    );
    expect(spawnedPids(dataDir)).toEqual([]);
    expect(existsSync(join(dataDir, 'control-token'))).toBe(false);
  });

  it.runIf(canBeNobody)('owned by another user: exit 2, even as root', async () => {
    const dataDir = tempDir('bsup-owner-');
    chownSync(dataDir, 65534, 65534);
    const run = serve([], await faultBackendEnv(dataDir));
    expect(await exitWithin(run)).toEqual({ code: 2, signal: null });
    expect(run.output().trim()).toBe(
      `backend-supervisor: cannot use the data folder ${realpathSync(dataDir)}: it belongs to another user (uid 65534; this is uid 0), who could change its settings and so the command it runs; use a folder of your own`,
    );
    expect(spawnedPids(dataDir)).toEqual([]);
  });

  it('a log folder writable by everyone (a symbolic link there would aim the logs at any file): exit 2, nothing written', async () => {
    const dataDir = tempDir('bsup-logmode-');
    const logDir = tempDir('bsup-logs-');
    chmodSync(logDir, 0o777);
    const run = serve([], await faultBackendEnv(dataDir, { LOG_DIR: logDir }));
    expect(await exitWithin(run)).toEqual({ code: 2, signal: null });
    expect(run.output().trim()).toBe(
      `backend-supervisor: cannot use the log folder ${logDir}: it is writable by other users (mode 0777), who could aim the log files at any file with a symbolic link; run chmod go-w ${logDir}`,
    );
    expect(spawnedPids(dataDir)).toEqual([]);
  });

  it('a relative LOG_DIR is the folder under the working directory, named in full', async () => {
    const base = tempDir('bsup-rel-');
    const run = serve([], await faultBackendEnv(join(base, 'data'), { LOG_DIR: 'logs here' }), { cwd: base });
    await pollUntil(() => run.output().includes('Backend started successfully'), END_DEADLINE_MS, 20, 'the start');
    expect(run.output()).toContain(`backend-supervisor: logs in ${join(base, 'logs here')}\n`);
    expect(existsSync(join(base, 'logs here', 'backend.log'))).toBe(true);
    run.child.kill('SIGTERM');
    expect(await exitWithin(run)).toEqual({ code: 0, signal: null });
  });

  it('the log folder may be the data folder itself', async () => {
    const dataDir = tempDir('bsup-logdir-');
    const run = serve([], await faultBackendEnv(dataDir, { LOG_DIR: dataDir }));
    await pollUntil(() => run.output().includes('Backend started successfully'), END_DEADLINE_MS, 20, 'the start');
    expect(existsSync(join(dataDir, 'backend.log'))).toBe(true);
    run.child.kill('SIGTERM');
    expect(await exitWithin(run)).toEqual({ code: 0, signal: null });
  });
});

describe('signals that must not end or open the supervisor', () => {
  it('SIGUSR1 does not open the inspector (a debugger port any local user could use); SIGUSR2 does not end serve', async () => {
    const dataDir = tempDir('bsup-usr-');
    const run = serve([], await faultBackendEnv(dataDir));
    await pollUntil(() => run.output().includes('Backend started successfully'), END_DEADLINE_MS, 20, 'the start');
    const backend = spawnedPids(dataDir)[0] as number;
    run.child.kill('SIGUSR1');
    // Node prints "Debugger listening on ws://127.0.0.1:9229/…" when it opens the inspector.
    await pollUntil(
      () => /Debugger listening|SIGUSR1 ignored/.test(run.output()),
      END_DEADLINE_MS,
      20,
      'SIGUSR1 to be handled',
    );
    expect(run.output()).not.toContain('Debugger listening');
    run.child.kill('SIGUSR2');
    await pollUntil(
      () => run.output().includes('SIGUSR2 ignored') || run.child.exitCode !== null || run.child.signalCode !== null,
      END_DEADLINE_MS,
      20,
      'SIGUSR2 to be handled',
    );
    expect(run.child.exitCode).toBeNull();
    expect(run.child.signalCode).toBeNull();
    expect(pidAlive(backend)).toBe(true);
    run.child.kill('SIGTERM');
    expect(await exitWithin(run)).toEqual({ code: 0, signal: null });
    expect(run.output()).toContain('SIGTERM: exiting'); // a graceful stop, not the keeper's SIGKILL
    expect(existsSync(join(dataDir, 'backend.pid'))).toBe(false);
  });
});

describe('a console that went away or stopped reading', () => {
  it('serve | head -1: the supervisor outlives its reader (EPIPE) and still stops cleanly', async () => {
    const dataDir = tempDir('bsup-epipe-');
    const env = await faultBackendEnv(dataDir);
    const run = serve([], env, { readStdout: false });
    // `head -1`: read the first line, then close the pipe.
    await new Promise<void>((resolve) => {
      let seen = '';
      const onData = (c: Buffer): void => {
        seen += c.toString();
        if (!seen.includes('\n')) return;
        run.child.stdout?.off('data', onData);
        run.child.stdout?.destroy();
        resolve();
      };
      run.child.stdout?.on('data', onData);
    });
    // The start's lines are echoed into the closed pipe.
    await pollUntil(
      () =>
        existsSync(join(dataDir, 'logs', 'supervisor.log')) &&
        readFileSync(join(dataDir, 'logs', 'supervisor.log'), 'utf8').includes('healthy after'),
      END_DEADLINE_MS,
      20,
      'the backend to be healthy',
    );
    const backend = spawnedPids(dataDir)[0] as number;
    // Still supervising: the backend answers, serve runs.
    expect((await fetch(`${env.GO_BACKEND_URL}/health`)).status).toBe(200);
    expect(run.child.exitCode).toBeNull();
    expect(run.output()).not.toContain('EPIPE');
    run.child.kill('SIGTERM');
    expect(await exitWithin(run)).toEqual({ code: 0, signal: null });
    expect(groupAlive(backend)).toBe(false);
  });

  it(`SIGTERM while stdout is a full pipe: the backend is stopped and serve exits within ${CONSOLE_FLUSH_AT_EXIT_MS} ms of it`, async () => {
    const dataDir = tempDir('bsup-fullpipe-');
    // No one reads stdout: the 64 KiB pipe fills with the flood's echo.
    const run = serve([], await faultBackendEnv(dataDir, { FLOOD_LINES: '20000' }), { readStdout: false });
    run.child.stdout?.pause();
    const backendLog = join(dataDir, 'logs', 'backend.log');
    await pollUntil(
      () => existsSync(backendLog) && readFileSync(backendLog, 'utf8').includes('flood done'),
      END_DEADLINE_MS,
      20,
      'the flood to end',
    );
    const backend = spawnedPids(dataDir)[0] as number;
    run.child.kill('SIGTERM');
    const started = performance.now();
    const exit = await exitWithin(run);
    const ms = performance.now() - started;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(groupAlive(backend)).toBe(false);
    expect(existsSync(join(dataDir, 'backend.pid'))).toBe(false);
    // The stop takes ~0.1 s, then at most the flush grace: generous for a loaded machine.
    expect(ms).toBeLessThan(CONSOLE_FLUSH_AT_EXIT_MS + 8_000);
  });
});

describe('stop signals during the start-up', () => {
  it('SIGTERM at 16 moments of the start-up (every 60 ms from the spawn): each run ends, none leaves a backend, none is lost', async () => {
    for (let i = 0; i < 16; i++) {
      const dataDir = tempDir('bsup-early-');
      const run = serve([], await faultBackendEnv(dataDir));
      await new Promise((r) => setTimeout(r, i * 60));
      run.child.kill('SIGTERM');
      const exit = await exitWithin(run);
      // Ended: at once by the signal's default action (before the entry ran: no output), or
      // by the supervisor, which stopped what it had started.
      expect({ i, exit }).toSatisfy(
        ({ exit: e }: { exit: typeof exit }) =>
          e !== 'still running' && ((e.code === 0 && e.signal === null) || e.signal === 'SIGTERM'),
      );
      for (const pid of spawnedPids(dataDir))
        expect({ i, pid, alive: groupAlive(pid) }).toEqual({ i, pid, alive: false });
      expect(existsSync(join(dataDir, 'backend.pid'))).toBe(false);
    }
  });

  it('SIGINT three times while the backend ignores SIGTERM: forced at the second, serve exits 0, nothing left', async () => {
    const dataDir = tempDir('bsup-int3-');
    const run = serve([], await faultBackendEnv(dataDir, { IGNORE_SIGTERM: '1', STOP_TIMEOUT: '60' }));
    await pollUntil(() => run.output().includes('Backend started successfully'), END_DEADLINE_MS, 20, 'the start');
    const backend = spawnedPids(dataDir)[0] as number;
    run.child.kill('SIGINT');
    await pollUntil(() => run.output().includes('SIGTERM ignored'), END_DEADLINE_MS, 10, 'the backend to see SIGTERM');
    run.child.kill('SIGINT');
    run.child.kill('SIGINT');
    expect(await exitWithin(run)).toEqual({ code: 0, signal: null });
    expect(run.output()).toContain('second signal (SIGINT): killing the backend now');
    expect(groupAlive(backend)).toBe(false);
    expect(existsSync(join(dataDir, 'backend.pid'))).toBe(false);
  });

  it('SIGTERM with a short STOP_TIMEOUT while the backend ignores SIGTERM: SIGKILL after it, exit 0', async () => {
    const dataDir = tempDir('bsup-short-');
    const run = serve([], await faultBackendEnv(dataDir, { IGNORE_SIGTERM: '1', STOP_TIMEOUT: '0.3' }));
    await pollUntil(() => run.output().includes('Backend started successfully'), END_DEADLINE_MS, 20, 'the start');
    const backend = spawnedPids(dataDir)[0] as number;
    const started = performance.now();
    run.child.kill('SIGTERM');
    expect(await exitWithin(run)).toEqual({ code: 0, signal: null });
    expect(performance.now() - started).toBeLessThan(8_000);
    expect(groupAlive(backend)).toBe(false);
  });
});
