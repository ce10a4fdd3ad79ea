/**
 * A service kind's hooks (the built-in `postgres`): `beforeSpawn` runs before every spawn and
 * `afterHealthy` before `running`; a throw from either is a failed start the restart policy
 * handles, with the hook's message, and a failed `afterHealthy` stops the process first.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HttpHealthProbe } from '../../src/main/core/health-probe';
import { ProcessLauncher } from '../../src/main/core/launcher';
import { LogStore } from '../../src/main/core/log-store';
import { Supervisor, type ServiceHooks } from '../../src/main/core/supervisor';
import type { Incident } from '../../src/shared/incident';
import { freePort, pidAlive, testConfig, waitForState } from '../helpers/supervise';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function supervised(hooks: ServiceHooks): Promise<{ supervisor: Supervisor; incidents: Incident[] }> {
  const config = testConfig(await freePort(), { maxRestartAttempts: 3, restartDelayMs: 100 });
  const probe = new HttpHealthProbe();
  const supervisor = new Supervisor({ config, launcher: new ProcessLauncher(), probe, logs: new LogStore(500), hooks });
  const incidents: Incident[] = [];
  supervisor.on('incident', (i) => incidents.push(i));
  cleanups.push(async () => {
    await supervisor.dispose();
    await probe.close();
  });
  return { supervisor, incidents };
}

describe('service hooks', () => {
  it('a beforeSpawn that fails once is a failed start the policy retries; nothing was spawned for it', async () => {
    let calls = 0;
    const { supervisor, incidents } = await supervised({
      beforeSpawn: async () => {
        calls++;
        if (calls === 1) throw new Error('initdb failed');
      },
    });
    const first = await supervisor.start('user-ui');
    expect(first.success).toBe(false);
    expect(first.message).toContain('cannot prepare backend: initdb failed');
    expect(incidents[0]).toMatchObject({ kind: 'failed-start', pid: null });
    await waitForState(supervisor, 'running', 10_000);
    expect(calls).toBe(2);
  });

  it('an afterHealthy that fails stops the healthy process before any running, and says why', async () => {
    const states: string[] = [];
    let calls = 0;
    let pid: number | null = null;
    const { supervisor, incidents } = await supervised({
      afterHealthy: async () => {
        calls++;
        if (calls === 1) {
          pid = supervisor.status().pid;
          throw new Error('cannot create role app');
        }
      },
    });
    supervisor.on('state', (e) => states.push(e.to));
    const first = await supervisor.start('user-ui');
    expect(first.success).toBe(false);
    expect(first.message).toContain('ready, but cannot create role app');
    expect(pid).not.toBeNull();
    expect(pidAlive(pid as unknown as number)).toBe(false);
    expect(states.slice(0, 3)).toEqual(['starting', 'stopping', 'backoff']);
    expect(incidents[0]).toMatchObject({ kind: 'failed-start' });
    await waitForState(supervisor, 'running', 10_000);
  });
});
