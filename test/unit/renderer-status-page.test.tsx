// @vitest-environment happy-dom
// (The pragma: the unit project compiles test files without the renderer's JSX setting.)
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSupervisorApi, renderWithApi } from '../helpers/fake-api';
import { ApiError } from '../../src/shared/contract';
import type { BackendStatus, StateChangeEvent } from '../../src/shared/status';
import { StatusPage } from '../../src/renderer/src/pages/status-page';

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
  last_exit: { code: 1, signal: null, at: '2026-01-01T09:00:00Z', expected: false },
  last_error: null,
  state_reason: 'health check passed',
  state_actor: 'health',
  state_since: '2026-01-01T09:59:00Z',
  next_restart_in_ms: null,
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
