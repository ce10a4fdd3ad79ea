/**
 * The start budget against real processes (issue 9 items 2 and 12): a backend that gets
 * ready in the last HEALTH_CHECK_TIMEOUT of STARTUP_TIMEOUT is seen healthy; a start that
 * runs out of budget says the last real answer; a health body that never ends is no answer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/shared/incident';
import { freePort, realSupervisor, testConfig } from '../helpers/supervise';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

function supervise(...args: Parameters<typeof testConfig>) {
  const made = realSupervisor(testConfig(...args));
  const incidents: Incident[] = [];
  made.supervisor.on('incident', (i) => incidents.push(i));
  cleanups.push(async () => {
    await made.supervisor.dispose();
    await made.probe.close();
  });
  return { ...made, incidents };
}

describe('the start budget', () => {
  it('a backend ready late in the budget, with a slow (50 ms) health answer, is running', async () => {
    const port = await freePort();
    // Ready at ~1.6 s of a 3 s budget: inside its last HEALTH_CHECK_TIMEOUT (2 s), where
    // every probe gets a budget computed from the clock (a fraction before the fix).
    const { supervisor, logs } = supervise(port, {
      startupTimeoutMs: 3_000,
      healthCheckTimeoutMs: 2_000,
      maxRestartAttempts: 0,
      env: { PORT: String(port), START_DELAY_MS: '1500', HEALTH_DELAY_MS: '50' },
    });
    let runningAt = 0;
    supervisor.on('state', (e) => {
      if (e.to === 'running') runningAt = Date.now();
    });
    const r = await supervisor.start('user-ui');
    expect(r).toMatchObject({ success: true, status: 'running' });
    const listening = logs.tail(200).find((l) => l.text.includes('listening on'));
    expect(listening).toBeDefined();
    // Startup probes are at most 1 s apart (README, "States"): generous for a 50 ms answer.
    expect(runningAt - Date.parse(listening?.ts ?? '')).toBeLessThan(1_500);
    expect(supervisor.status().state_reason).toMatch(/^healthy after \d+ ms$/);
  });

  it('a backend answering 404 throughout: the reason is the 404, not a probe cut short by the deadline', async () => {
    const port = await freePort();
    const { supervisor, incidents } = supervise(port, {
      startupTimeoutMs: 1_500,
      healthCheckTimeoutMs: 2_000,
      maxRestartAttempts: 0,
      env: { PORT: String(port), HEALTH_STATUS: '404', HEALTH_DELAY_MS: '50' },
    });
    const r = await supervisor.start('user-ui');
    expect(r.message).toBe('Backend failed to start: not healthy within 1500 ms (answered HTTP 404)');
    expect(supervisor.currentState).toBe('crashed');
    expect(incidents.map((i) => i.kind)).toEqual(['failed-start']);
    expect(incidents[0]?.probes.some((p) => p.status_code === 404)).toBe(true);
  });

  it('a health body that drips and never ends is no answer: a failed start, never running', async () => {
    const port = await freePort();
    const { supervisor } = supervise(port, {
      startupTimeoutMs: 2_000,
      healthCheckTimeoutMs: 500,
      maxRestartAttempts: 0,
      env: { PORT: String(port), HEALTH_DRIP_MS: '100' },
    });
    const states: string[] = [];
    supervisor.on('state', (e) => states.push(e.to));
    const r = await supervisor.start('user-ui');
    expect(r.message).toBe(
      'Backend failed to start: not healthy within 2000 ms (answered HTTP 200, then no answer within 500 ms (the body did not end))',
    );
    expect(states).not.toContain('running');
  });
});
