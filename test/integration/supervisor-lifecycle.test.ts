import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Supervisor } from '../../src/main/core/supervisor';
import {
  freePort,
  groupAlive,
  pidAlive,
  pollUntil,
  realSupervisor,
  tempDir,
  testConfig,
  waitForState,
} from '../helpers/supervise';

let current: Supervisor | null = null;
afterEach(async () => {
  await current?.dispose();
  current = null;
});

describe('supervisor lifecycle with a real child process', () => {
  it('starts to running, then stop leaves no process of the group', async () => {
    const port = await freePort();
    const { supervisor } = realSupervisor(testConfig(port));
    current = supervisor;
    const result = await supervisor.start('user-ui');
    expect(result).toMatchObject({ success: true, status: 'running' });
    const pid = result.pid as number;
    expect(pidAlive(pid)).toBe(true);
    expect(supervisor.status().last_health_check).toBe('healthy');

    const stopped = await supervisor.stop('rest');
    expect(stopped).toMatchObject({ success: true, status: 'stopped', pid: null });
    expect(groupAlive(pid)).toBe(false);
    expect(supervisor.status().state_actor).toBe('rest');
  });

  it('restarts after kill -9 and counts the restart', async () => {
    const port = await freePort();
    const { supervisor } = realSupervisor(testConfig(port));
    current = supervisor;
    const first = (await supervisor.start('user-ui')).pid as number;
    process.kill(first, 'SIGKILL');
    await waitForState(supervisor, 'running', 15_000, () => supervisor.status().pid !== first);
    const s = supervisor.status();
    expect(s.restart_count).toBe(1);
    expect(s.last_exit).toMatchObject({ signal: 'SIGKILL', expected: false });
    expect(pidAlive(s.pid as number)).toBe(true);
  });

  it('escalates to SIGKILL for a backend that ignores SIGTERM, and kills its grandchildren', async () => {
    const port = await freePort();
    const pidFile = join(tempDir(), 'pids');
    const { supervisor } = realSupervisor(
      testConfig(port, {
        stopTimeoutMs: 500,
        env: { PORT: String(port), IGNORE_SIGTERM: '1', GRANDCHILDREN: '2', PID_FILE: pidFile },
      }),
    );
    current = supervisor;
    const { pid } = await supervisor.start('user-ui');
    const pids = readFileSync(pidFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => Number(l.split(' ')[1]));
    expect(pids).toHaveLength(3);
    await supervisor.stop('user-ui');
    expect(supervisor.currentState).toBe('stopped');
    for (const p of pids) expect(pidAlive(p)).toBe(false);
    expect(groupAlive(pid as number)).toBe(false);
  });

  it('gives up in crashed after the configured attempts of a crash loop', async () => {
    const port = await freePort();
    const counter = join(tempDir(), 'spawns');
    const { supervisor } = realSupervisor(
      testConfig(port, {
        maxRestartAttempts: 2,
        restartDelayMs: 50,
        env: { PORT: String(port), CRASH_AFTER_MS: '50', COUNTER_FILE: counter },
      }),
    );
    current = supervisor;
    await supervisor.start('user-ui');
    await waitForState(supervisor, 'crashed', 15_000);
    expect(readFileSync(counter, 'utf8').trim().split('\n')).toHaveLength(3);
    expect(supervisor.status().state_reason).toMatch(/gave up after 2 consecutive/);
    // No further spawn happens after giving up.
    await new Promise((r) => setTimeout(r, 300));
    expect(readFileSync(counter, 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('reports a missing binary at once, without retries', async () => {
    const port = await freePort();
    const { supervisor } = realSupervisor(testConfig(port, { command: '/nonexistent/backend' }));
    current = supervisor;
    const result = await supervisor.start('user-ui');
    expect(result.success).toBe(false);
    expect(result.message).toMatch(/not found: \/nonexistent\/backend/);
    expect(supervisor.currentState).toBe('crashed');
    expect(supervisor.status().restart_count).toBe(0);
  });

  it('serialises racing commands: never two live backends', async () => {
    const port = await freePort();
    const { supervisor } = realSupervisor(testConfig(port));
    current = supervisor;
    const spawned = new Set<number>();
    supervisor.on('state', (e) => {
      if (e.status.pid !== null) spawned.add(e.status.pid);
    });
    const results = await Promise.all([
      supervisor.start('user-ui'),
      supervisor.start('tray'),
      supervisor.restart('rest'),
      supervisor.start('user-ui'),
    ]);
    expect(results.at(-1)?.status).toBe('running');
    const live = [...spawned].filter(pidAlive);
    expect(live).toHaveLength(1);
  });

  it('detects a hang and restarts the backend', async () => {
    const port = await freePort();
    const { supervisor } = realSupervisor(
      testConfig(port, { healthCheckTimeoutMs: 200, env: { PORT: String(port), HANG_AFTER_MS: '300' } }),
    );
    current = supervisor;
    const first = (await supervisor.start('user-ui')).pid as number;
    await waitForState(supervisor, 'unhealthy', 10_000);
    await waitForState(supervisor, 'running', 15_000, () => supervisor.status().pid !== first);
    await pollUntil(() => !pidAlive(first), 5_000, 25, 'the hung process to be gone');
    expect(supervisor.status().restart_count).toBe(1);
  });
});
