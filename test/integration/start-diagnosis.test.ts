import { afterEach, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/shared/incident';
import type { Supervisor } from '../../src/main/core/supervisor';
import { freePort, realSupervisor, testConfig } from '../helpers/supervise';

// Issue 10 item 3: a start that runs out of budget says what to do, in the state reason
// and the incident: where the backend listens instead, or which path answers.

const live: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(live.splice(0).map((s) => s.dispose()));
});

/** Starts the fault backend with `env` on a health URL at `port`; resolves when the start failed for good. */
async function failedStart(port: number, env: Record<string, string>): Promise<{ reason: string; incident: Incident }> {
  const { supervisor } = realSupervisor(
    testConfig(port, { env: { PORT: String(port), ...env }, startupTimeoutMs: 1_500, maxRestartAttempts: 0 }),
  );
  live.push(supervisor);
  const incidents: Incident[] = [];
  supervisor.on('incident', (i) => incidents.push(i));
  const r = await supervisor.start('user-ui');
  expect(r.success).toBe(false);
  expect(supervisor.currentState).toBe('crashed');
  expect(incidents).toHaveLength(1);
  return { reason: supervisor.status().state_reason, incident: incidents[0] as Incident };
}

describe('a failed start says what to do', () => {
  it('names the port the backend listens on when the health URL is refused', async () => {
    const [port, other] = [await freePort(), await freePort()];
    const { reason, incident } = await failedStart(port, { PORT: String(other) });
    const hint = `it listens on 127.0.0.1:${other} (the health URL is http://127.0.0.1:${port}/health: set GO_BACKEND_URL?)`;
    expect(reason).toContain(`not healthy within 1500 ms (never answered: connection refused); ${hint}`);
    expect(incident.summary).toContain(hint);
  });

  it('finds the port when another process of its group listens (a wrapper and its server)', async () => {
    const [port, other] = [await freePort(), await freePort()];
    const { reason } = await failedStart(port, { PORT: String(other), SERVE_IN_GRANDCHILD: '1' });
    expect(reason).toContain(`it listens on 127.0.0.1:${other} (the health URL is`);
  });

  it('says so when the backend listens on no TCP port at all', async () => {
    const port = await freePort();
    const { reason } = await failedStart(port, { START_DELAY_MS: '60000' });
    expect(reason).toContain('(never answered: connection refused); it listens on no TCP port');
  });

  it('names a path that answers when the health path answers 404', async () => {
    const port = await freePort();
    const { reason, incident } = await failedStart(port, { HEALTH_PATH: '/' });
    const hint = '/health answers 404; / answers 200: set HEALTH_CHECK_PATH?';
    expect(reason).toContain(`(answered HTTP 404); ${hint}`);
    expect(incident.summary).toContain(hint);
  });

  it('adds nothing when no other usual path answers either', async () => {
    const port = await freePort();
    const { reason } = await failedStart(port, { HEALTH_PATH: '/secret-status' });
    expect(reason).toMatch(/^not healthy within 1500 ms \(answered HTTP 404\); gave up/);
  });
});
