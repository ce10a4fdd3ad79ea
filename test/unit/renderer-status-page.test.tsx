// @vitest-environment happy-dom
// (The pragma: the unit project compiles test files without the renderer's JSX setting.)
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSupervisorApi, renderWithApi } from '../helpers/fake-api';
import { ApiError } from '../../src/shared/contract';
import type { BackendStatus, StateChangeEvent } from '../../src/shared/status';
import { StatusPage, StatusView } from '../../src/renderer/src/pages/status-page';
import { STATUS_REFRESH_ACTIVE_MS } from '../../src/renderer/src/hooks/use-backend-status';

const RUNNING: BackendStatus = {
  status: 'running',
  pid: 31337,
  uptime_secs: 65,
  restart_count: 4,
  last_health_check: 'healthy',
  is_running: true,
  orchestrator_enabled: true,
  backend_url: 'http://127.0.0.1:3000',
  consecutive_failures: 0,
  last_health: { at: '2026-01-01T10:00:00Z', ok: true, latency_ms: 12.4, status_code: 200, error: null },
  last_exit: {
    code: 1,
    signal: null,
    at: '2026-01-01T09:00:00Z',
    expected: false,
    stopped_by: null,
    stop_reason: null,
  },
  last_error: null,
  state_reason: 'health check passed',
  state_actor: 'health',
  state_since: '2026-01-01T09:59:00Z',
  next_restart_in_ms: null,
  health_failures: 0,
  startup: null,
};

/** The fake API answering `backend:status` with `status` (read at each call). */
class FakeApi extends FakeSupervisorApi {
  status = RUNNING;
  constructor() {
    super();
    this.answers['backend:status'] = async () => this.status;
  }
}

function renderStatusPage(api: FakeApi) {
  return renderWithApi(api, <StatusPage />);
}

afterEach(cleanup);

describe('StatusPage', () => {
  it('shows the state, PID, restart count, uptime and last health check', async () => {
    renderStatusPage(new FakeApi());
    expect(await screen.findByTestId('state-badge')).toHaveProperty('textContent', 'running');
    expect(screen.getByTestId('pid').textContent).toBe('31337');
    expect(screen.getByTestId('restart-count').textContent).toBe('4');
    expect(screen.getByTestId('uptime').textContent).toBe('1m 05s');
    expect(screen.getByTestId('last-health').textContent).toMatch(/^ok · 12 ms · at /);
    // Start makes no sense while running; Stop and Restart do.
    expect(screen.getByTestId('btn-start')).toHaveProperty('disabled', true);
    expect(screen.getByTestId('btn-stop')).toHaveProperty('disabled', false);
    expect(screen.getByTestId('btn-restart')).toHaveProperty('disabled', false);
  });

  it('follows backend:state events', async () => {
    const api = new FakeApi();
    renderStatusPage(api);
    await screen.findByTestId('state-badge');
    const stopped: BackendStatus = {
      ...RUNNING,
      status: 'stopped',
      pid: null,
      uptime_secs: 0,
      is_running: false,
      state_actor: 'user-ui',
      state_reason: 'stopped by request',
      state_since: '2026-01-01T10:05:00Z',
    };
    const event: StateChangeEvent = {
      from: 'running',
      to: 'stopped',
      actor: 'user-ui',
      reason: 'stopped by request',
      at: stopped.state_since,
      status: stopped,
    };
    act(() => api.emit('backend:state', event));
    await waitFor(() => expect(screen.getByTestId('state-badge').textContent).toBe('stopped'));
    expect(screen.getByTestId('pid').textContent).toBe('—');
    expect(screen.getByTestId('btn-stop')).toHaveProperty('disabled', true);
    expect(screen.getByTestId('btn-start')).toHaveProperty('disabled', false);
  });

  it("shows a command's error", async () => {
    const api = new FakeApi();
    api.answers['backend:restart'] = async () => {
      throw new ApiError({ code: 'BACKEND_ERROR', message: 'port 3000 is held by PID 99 (python3)' });
    };
    renderStatusPage(api);
    fireEvent.click(await screen.findByTestId('btn-restart'));
    expect((await screen.findByTestId('command-error')).textContent).toContain('port 3000 is held by PID 99');
  });

  it('hides the process buttons in remote mode and says so', async () => {
    const api = new FakeApi();
    api.status = { ...RUNNING, orchestrator_enabled: false, last_error: 'probe failed: ECONNREFUSED' };
    renderStatusPage(api);
    expect(await screen.findByTestId('remote-mode')).toBeTruthy();
    expect(screen.queryByTestId('btn-start')).toBeNull();
    expect(screen.getByTestId('last-error').textContent).toContain('ECONNREFUSED');
  });
});

/** A probe `seconds` before now. */
const probeAgo = (seconds: number, fields: Partial<NonNullable<BackendStatus['last_health']>> = {}) => ({
  at: new Date(Date.now() - seconds * 1_000).toISOString(),
  ok: false,
  latency_ms: 3,
  status_code: 404,
  error: 'answered HTTP 404',
  ...fields,
});

const text = (id: string): string | null => screen.getByTestId(id).textContent;

/** Renders the page over a fake API answering `status`, and waits for its state badge. */
async function showStatus(status: BackendStatus): Promise<void> {
  const api = new FakeApi();
  api.status = status;
  renderStatusPage(api);
  await waitFor(() => expect(screen.getByTestId('state-badge').textContent).toBe(status.status));
}

describe('StatusPage: every card describes the current process, or says there is none', () => {
  it('running: its pid, uptime and last probe', async () => {
    await showStatus({ ...RUNNING, last_health: probeAgo(6, { ok: true, status_code: 200, error: null }) });
    expect(text('uptime-detail')).toBe('process 31337');
    expect(text('health')).toBe('healthy');
    expect(text('health-detail')).toBe('checked 6s ago');
  });

  it('crashed: no pid, no uptime, no health (not a green "healthy" of the dead process)', async () => {
    await showStatus({
      ...RUNNING,
      status: 'crashed',
      pid: null,
      uptime_secs: 0,
      is_running: false,
      last_health_check: 'unknown',
      last_health: null,
      consecutive_failures: 4,
      state_reason: 'exited unexpectedly (exited with code 1); gave up after 3 consecutive restart attempts',
      state_actor: 'policy',
    });
    expect(text('pid')).toBe('—');
    expect(text('uptime')).toBe('—');
    expect(text('uptime-detail')).toBe('no process');
    expect(text('health')).toBe('—');
    expect(text('health-detail')).toBe('no process');
    expect(text('last-health')).toBe('no process');
    expect(text('last-exit')).toBe('exit code 1 · unexpected');
    expect(text('restart-detail')).toBe('4 consecutive failures');
  });

  it('starting: the startup probes as they happen (count, last answer) beside the new pid', async () => {
    await showStatus({
      ...RUNNING,
      status: 'starting',
      pid: 4242,
      uptime_secs: 24,
      is_running: false,
      last_health_check: 'unknown',
      last_health: null,
      startup: { probes: 252, last: probeAgo(0) },
    });
    expect(text('pid')).toBe('4242');
    expect(text('uptime')).toMatch(/^2[45]s$/);
    expect(text('uptime-detail')).toBe('process 4242');
    expect(text('health')).toBe('starting');
    expect(text('health-detail')).toMatch(/^252 startup probes · last: answered HTTP 404, [01]s ago$/);
    expect(text('last-health')).toMatch(/^failed · 3 ms · answered HTTP 404 · at /);
  });

  it('remote mode, down: no uptime, the failures in a row, no restart count', async () => {
    await showStatus({
      ...RUNNING,
      orchestrator_enabled: false,
      status: 'unhealthy',
      pid: null,
      uptime_secs: 0,
      restart_count: 0,
      last_health_check: 'unhealthy',
      last_health: probeAgo(1, { status_code: null, latency_ms: null, error: 'connection refused' }),
      health_failures: 7,
      last_exit: null,
    });
    expect(text('uptime')).toBe('—');
    expect(text('uptime-detail')).toBe('remote backend not answering');
    expect(text('health')).toBe('unhealthy');
    expect(text('health-detail')).toBe('checked 1s ago · 7 failed in a row');
    expect(text('restart-count')).toBe('—');
    expect(text('restart-detail')).toBe('remote mode: not restarted from here');
  });

  it('remote mode, answering: how long it has answered', async () => {
    await showStatus({ ...RUNNING, orchestrator_enabled: false, pid: null, uptime_secs: 125, last_exit: null });
    expect(text('uptime')).toMatch(/^2m 0[56]s$/);
    expect(text('uptime-detail')).toBe('remote backend answering');
  });

  it('a start the policy killed: stopped by the restart policy and why, not "asked to stop"', async () => {
    await showStatus({
      ...RUNNING,
      status: 'crashed',
      pid: null,
      uptime_secs: 0,
      last_health_check: 'unknown',
      last_health: null,
      last_exit: {
        code: null,
        signal: 'SIGTERM',
        at: '2026-01-01T10:00:00Z',
        expected: true,
        stopped_by: 'policy',
        stop_reason: 'not healthy within 30000 ms (answered HTTP 404)',
      },
    });
    expect(text('last-exit')).toBe('killed by SIGTERM · stopped by the restart policy');
    expect(text('last-exit-expected')).toBe(
      'yes: stopped by the restart policy (not healthy within 30000 ms (answered HTTP 404))',
    );
  });

  it('while starting, the startup probe count moves without a state change', async () => {
    const api = new FakeApi();
    const starting = (probes: number): BackendStatus => ({
      ...RUNNING,
      status: 'starting',
      pid: 4242,
      last_health_check: 'unknown',
      last_health: null,
      startup: { probes, last: probeAgo(0) },
    });
    api.status = starting(3);
    renderStatusPage(api);
    await waitFor(() => expect(text('health-detail')).toMatch(/^3 startup probes/));
    api.status = starting(40);
    // Refetched every STATUS_REFRESH_ACTIVE_MS (1 s) while starting; a generous deadline.
    await waitFor(() => expect(text('health-detail')).toMatch(/^40 startup probes/), { timeout: 5_000 });
    expect(STATUS_REFRESH_ACTIVE_MS).toBe(1_000);
  });

  it('disconnected: no command can be sent, and it says why', async () => {
    renderWithApi(
      new FakeApi(),
      <StatusView status={{ ...RUNNING, status: 'stopped', pid: null }} receivedAt={Date.now()} reconnecting />,
    );
    for (const command of ['start', 'restart', 'stop']) {
      expect(screen.getByTestId(`btn-${command}`)).toHaveProperty('disabled', true);
    }
    expect(text('commands-offline')).toBe('Not connected to the supervisor: commands are off until it is back.');
    cleanup();
    renderWithApi(
      new FakeApi(),
      <StatusView status={{ ...RUNNING, status: 'stopped', pid: null }} receivedAt={Date.now()} />,
    );
    expect(screen.getByTestId('btn-start')).toHaveProperty('disabled', false);
    expect(screen.queryByTestId('commands-offline')).toBeNull();
  });
});
