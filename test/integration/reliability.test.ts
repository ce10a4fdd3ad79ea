/**
 * reliability.md faults 1–9 and 20–22 against real processes (23, the wall-clock jump,
 * is a fake-timer test in test/unit/supervisor-state.test.ts). Each asserts the states,
 * the counts, and that no process of the group survives.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { Incident } from '../../src/shared/incident';
import { HttpHealthProbe } from '../../src/main/core/health-probe';
import { ProcessLauncher } from '../../src/main/core/launcher';
import { LogStore } from '../../src/main/core/log-store';
import { PidFile, processStartTime } from '../../src/main/core/pid-file';
import { Supervisor } from '../../src/main/core/supervisor';
import { startHeadless } from '../helpers/headless-server';
import {
  FAULT_BACKEND,
  freePort,
  groupAlive,
  pidAlive,
  pollUntil,
  realSupervisor,
  tempDir,
  testConfig,
  waitForState,
} from '../helpers/supervise';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

function supervise(...args: Parameters<typeof testConfig>) {
  const made = realSupervisor(testConfig(...args));
  const incidents: Incident[] = [];
  made.supervisor.on('incident', (i) => incidents.push(i));
  cleanups.push(() => made.supervisor.dispose());
  return { ...made, incidents };
}

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
}

/** Starts a helper process and waits for its first output line. */
async function startProcess(args: string[], env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  cleanups.push(() => {
    child.kill('SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`helper exited with ${code}`)));
  });
  return child;
}

describe('reliability faults', () => {
  it('1. a crash loop: growing backoff, then crashed after the attempts, no more spawns', async () => {
    const port = await freePort();
    const counter = join(tempDir(), 'spawns');
    const { supervisor, incidents } = supervise(port, {
      maxRestartAttempts: 3,
      restartDelayMs: 100,
      env: { PORT: String(port), CRASH_AFTER_MS: '50', COUNTER_FILE: counter },
    });
    const delays: number[] = [];
    supervisor.on('state', (e) => {
      if (e.to === 'backoff') delays.push(e.status.next_restart_in_ms ?? -1);
    });
    await supervisor.start('user-ui');
    await waitForState(supervisor, 'crashed', 20_000);
    expect(lines(counter)).toHaveLength(4);
    expect(delays).toEqual([0, 100, 200]);
    expect(incidents.map((i) => i.action)).toEqual([
      'restart attempt 1/3 in 0 ms',
      'restart attempt 2/3 in 100 ms',
      'restart attempt 3/3 in 200 ms',
      'gave up after 3 consecutive restart attempts',
    ]);
    for (const pid of lines(counter).map(Number)) expect(groupAlive(pid)).toBe(false);
  });

  it('2. a backend that ran longer than resetAfter counts as a fresh failure', async () => {
    const port = await freePort();
    const { supervisor } = supervise(port, {
      maxRestartAttempts: 1,
      restartResetAfterMs: 200,
      env: { PORT: String(port), CRASH_AFTER_MS: '500' },
    });
    await supervisor.start('user-ui');
    await pollUntil(() => supervisor.status().restart_count >= 3, 15_000, 25, '3 restarts');
    expect(supervisor.currentState).not.toBe('crashed');
    expect(supervisor.status().consecutive_failures).toBe(1);
  });

  it('3. alive but hung (SIGSTOP): unhealthy, then restarted', async () => {
    const port = await freePort();
    const { supervisor, incidents } = supervise(port, { healthCheckTimeoutMs: 200, stopTimeoutMs: 300 });
    const first = (await supervisor.start('user-ui')).pid as number;
    process.kill(first, 'SIGSTOP');
    await waitForState(supervisor, 'unhealthy', 10_000);
    await waitForState(supervisor, 'running', 15_000, () => supervisor.status().pid !== first);
    expect(pidAlive(first)).toBe(false);
    expect(incidents[0]).toMatchObject({ kind: 'hang', pid: first });
    expect(incidents[0]?.probes.filter((p) => !p.ok).length).toBeGreaterThanOrEqual(3);
  });

  it('4. a slow start within the budget is not restarted; beyond it, a failed start with the reason', async () => {
    const port = await freePort();
    const counter = join(tempDir(), 'spawns');
    const slow = supervise(port, {
      startupTimeoutMs: 5_000,
      env: { PORT: String(port), START_DELAY_MS: '800', COUNTER_FILE: counter },
    });
    expect(await slow.supervisor.start('user-ui')).toMatchObject({ success: true, status: 'running' });
    expect(lines(counter)).toHaveLength(1);
    await slow.supervisor.stop('user-ui');

    const tooSlow = supervise(port, {
      startupTimeoutMs: 400,
      maxRestartAttempts: 0,
      env: { PORT: String(port), START_DELAY_MS: '5000' },
    });
    const r = await tooSlow.supervisor.start('user-ui');
    expect(r.success).toBe(false);
    expect(r.message).toMatch(/not healthy within 400 ms \(never answered: connection refused\)/);
    expect(tooSlow.incidents.map((i) => i.kind)).toEqual(['failed-start']);
    expect(groupAlive(tooSlow.incidents[0]?.pid as number)).toBe(false);
  });

  it('5. a backend trapping SIGTERM gets SIGKILL at the stop timeout', async () => {
    const port = await freePort();
    const { supervisor, logs } = supervise(port, {
      stopTimeoutMs: 700,
      env: { PORT: String(port), IGNORE_SIGTERM: '1' },
    });
    const pid = (await supervisor.start('user-ui')).pid as number;
    const t0 = performance.now();
    await supervisor.stop('user-ui');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(690); // never before the stop timeout
    expect(pidAlive(pid)).toBe(false);
    expect(supervisor.status().last_exit).toMatchObject({ signal: 'SIGKILL' });
    expect(logs.tail().some((l) => l.text.includes('SIGTERM ignored'))).toBe(true);
  });

  it('6. grandchildren, one ignoring SIGTERM: the whole group is gone after stop', async () => {
    const port = await freePort();
    const pidFile = join(tempDir(), 'pids');
    const { supervisor } = supervise(port, {
      stopTimeoutMs: 500,
      env: { PORT: String(port), GRANDCHILDREN: '2', FIRST_GRANDCHILD_IGNORES_SIGTERM: '1', PID_FILE: pidFile },
    });
    const leader = (await supervisor.start('user-ui')).pid as number;
    // The leader exits on SIGTERM; one grandchild traps it and lingers in the group.
    const pids = lines(pidFile).map((l) => Number(l.split(' ')[1]));
    expect(pids).toHaveLength(3);
    await supervisor.stop('user-ui');
    for (const p of pids) expect(pidAlive(p)).toBe(false);
    expect(groupAlive(leader)).toBe(false);
  });

  it('7. port held by another process: says who holds it, no restart storm', async () => {
    const port = await freePort();
    const holder = await startProcess([join(import.meta.dirname, '..', 'fixtures', 'port-holder.mjs')], {
      PORT: String(port),
    });
    const counter = join(tempDir(), 'spawns');
    const { supervisor, incidents } = supervise(port, { env: { PORT: String(port), COUNTER_FILE: counter } });
    const r = await supervisor.start('user-ui');
    expect(r.success).toBe(false);
    expect(r.message).toContain(`port ${port} is already in use by pid ${holder.pid}`);
    expect(supervisor.currentState).toBe('crashed');
    expect(incidents.map((i) => i.kind)).toEqual(['port-in-use']);
    expect(lines(counter)).toHaveLength(1);
  });

  it('8. missing, non-executable and non-program binaries: an immediate clear error, no retries', async () => {
    const port = await freePort();
    const dir = tempDir();
    const notExec = join(dir, 'server-noexec');
    writeFileSync(notExec, '#!/bin/sh\necho hi\n', { mode: 0o644 });
    const garbage = join(dir, 'server-garbage');
    writeFileSync(garbage, 'this is not a program\n');
    chmodSync(garbage, 0o755);
    for (const [command, message] of [
      ['/nonexistent/server', 'backend command not found: /nonexistent/server'],
      [notExec, `backend command is not executable: ${notExec}`],
      [garbage, `backend command is not a program`],
    ] as const) {
      const { supervisor, incidents } = supervise(port, { command, args: [] });
      const r = await supervisor.start('user-ui');
      expect(r).toMatchObject({ success: false, status: 'crashed' });
      expect(r.message).toContain(message);
      expect(incidents.map((i) => i.kind)).toEqual(['launch-error']);
      expect(supervisor.status().restart_count).toBe(0);
    }
  });

  it('9. a stranger answering /health on our port is not taken for our child', async () => {
    const port = await freePort();
    const stranger = await startProcess([FAULT_BACKEND], { PORT: String(port) });
    const counter = join(tempDir(), 'spawns');
    const { supervisor } = supervise(port, { env: { PORT: String(port), COUNTER_FILE: counter } });
    const r = await supervisor.start('user-ui');
    expect(r.success).toBe(false);
    expect(r.message).toContain(`port ${port} is already in use by pid ${stranger.pid}`);
    expect(supervisor.status().pid).toBeNull();
    expect(lines(counter)).toHaveLength(0);
  });

  it('20. racing start/stop/restart with real processes: never two live backends', async () => {
    const port = await freePort();
    const counter = join(tempDir(), 'spawns');
    const { supervisor } = supervise(port, { env: { PORT: String(port), COUNTER_FILE: counter } });
    let maxLive = 0;
    supervisor.on('state', () => {
      maxLive = Math.max(maxLive, lines(counter).map(Number).filter(pidAlive).length);
    });
    const verbs = ['start', 'stop', 'restart'] as const;
    const commands = Array.from({ length: 60 }, (_, i) => verbs[(i * 7 + (i >> 2)) % 3] as (typeof verbs)[number]);
    commands.push('restart');
    await Promise.all(commands.map((v) => supervisor[v]('rest')));
    expect(maxLive).toBeLessThanOrEqual(1);
    expect(supervisor.currentState).toBe('running');
    expect(lines(counter).map(Number).filter(pidAlive)).toEqual([supervisor.status().pid]);
  });

  it('21. quit during a restart: no respawn after quit, a clean exit', async () => {
    const port = await freePort();
    const counter = join(tempDir(), 'spawns');
    const server = await startHeadless({
      GO_BACKEND_BINARY: process.execPath,
      BACKEND_ARGS: JSON.stringify([FAULT_BACKEND]),
      GO_BACKEND_URL: `http://127.0.0.1:${port}`,
      PORT: String(port),
      START_DELAY_MS: '300',
      COUNTER_FILE: counter,
      STOP_TIMEOUT: '2',
    });
    cleanups.push(async () => void (await server.stop()));
    await pollUntil(() => server.output().includes('Backend started successfully'), 15_000, 25, 'the backend to start');
    void request(`${server.url}/api/v1/admin/backend/restart`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}` },
    }).catch(() => undefined);
    await pollUntil(() => server.output().includes('restart requested by rest'), 5_000, 10, 'the restart to begin');
    expect(await server.stop()).toBe(0);
    const spawned = lines(counter).length;
    for (const pid of lines(counter).map(Number)) expect(pidAlive(pid)).toBe(false);
    // Nothing respawns after the quit.
    await new Promise((r) => setTimeout(r, 500));
    expect(lines(counter)).toHaveLength(spawned);
  });

  it('22. supervisor killed with SIGKILL: the backend dies with it (lifeline)', async () => {
    const port = await freePort();
    const counter = join(tempDir(), 'spawns');
    const server = await startHeadless({
      GO_BACKEND_BINARY: process.execPath,
      BACKEND_ARGS: JSON.stringify([FAULT_BACKEND]),
      GO_BACKEND_URL: `http://127.0.0.1:${port}`,
      PORT: String(port),
      COUNTER_FILE: counter,
    });
    cleanups.push(async () => void (await server.stop()));
    await pollUntil(() => server.output().includes('Backend started successfully'), 15_000, 25, 'the backend to start');
    const backend = Number(lines(counter)[0]);
    expect(pidAlive(backend)).toBe(true);
    server.process.kill('SIGKILL');
    await pollUntil(() => !pidAlive(backend), 3_000, 10, 'the backend to die with its supervisor');
  });

  it('22. a leftover backend is reaped at the next start; a reused pid is left alone', async () => {
    const port = await freePort();
    const dataDir = tempDir();
    const pidFile = new PidFile(join(dataDir, 'backend.pid'));
    // A backend whose supervisor died: its own process group, no lifeline, and the instance
    // id of that supervisor in its environment (the identity check compares it).
    const orphan = spawn(process.execPath, [FAULT_BACKEND], {
      env: { ...process.env, PORT: String(port), SUPERVISOR_INSTANCE_ID: 'a-previous-supervisor' },
      detached: true,
      stdio: 'ignore',
    });
    cleanups.push(() => void (pidAlive(orphan.pid as number) && process.kill(-(orphan.pid as number), 'SIGKILL')));
    await pollUntil(
      async () => (await new HttpHealthProbe().probe(`http://127.0.0.1:${port}/health`, 200)).ok,
      10_000,
      25,
      'the orphan to listen',
    );
    pidFile.write({
      pid: orphan.pid as number,
      pgid: orphan.pid as number,
      start_time: processStartTime(orphan.pid as number),
      executable: process.execPath,
      instance_id: 'a-previous-supervisor',
      supervisor_pid: 999_999_999,
      written_at: new Date().toISOString(),
    });
    const config = testConfig(port, { dataDir });
    const supervisor = new Supervisor({
      config,
      launcher: new ProcessLauncher(),
      probe: new HttpHealthProbe(),
      logs: new LogStore(100),
      pidFile,
    });
    cleanups.push(() => supervisor.dispose());
    const r = await supervisor.start('user-ui');
    expect(r).toMatchObject({ success: true, status: 'running' });
    expect(pidAlive(orphan.pid as number)).toBe(false);
    await supervisor.stop('user-ui');

    // A stranger now has the recorded pid (start time differs): never killed.
    const stranger = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    cleanups.push(() => void stranger.kill('SIGKILL'));
    await pollUntil(() => processStartTime(stranger.pid as number) !== null, 5_000, 10, 'the stranger to start');
    pidFile.write({
      pid: stranger.pid as number,
      pgid: stranger.pid as number,
      start_time: '1',
      executable: process.execPath,
      instance_id: 'a-previous-supervisor',
      supervisor_pid: 999_999_999,
      written_at: new Date().toISOString(),
    });
    const again = new Supervisor({
      config,
      launcher: new ProcessLauncher(),
      probe: new HttpHealthProbe(),
      logs: new LogStore(100),
      pidFile,
    });
    cleanups.push(() => again.dispose());
    expect((await again.start('user-ui')).success).toBe(true);
    expect(pidAlive(stranger.pid as number)).toBe(true);
  });
});
