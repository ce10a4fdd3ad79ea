// @vitest-environment happy-dom
// (The pragma: the unit project compiles test files without the renderer's JSX setting.)
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSupervisorApi, renderWithApi } from '../helpers/fake-api';
import type { ServiceStatus } from '../../src/shared/services';
import type { BackendStatus } from '../../src/shared/status';
import { ServicesPage } from '../../src/renderer/src/pages/services-page';
import { StatusPage } from '../../src/renderer/src/pages/status-page';
import { applyStateEvent } from '../../src/renderer/src/hooks/use-services';
import { belongsTo } from '../../src/renderer/src/services/service-of';

const BASE: BackendStatus = {
  status: 'running',
  pid: 100,
  uptime_secs: 65,
  restart_count: 2,
  last_health_check: 'healthy',
  is_running: true,
  orchestrator_enabled: true,
  backend_url: 'http://127.0.0.1:3000',
  consecutive_failures: 0,
  last_health: { at: '2026-01-01T10:00:00Z', ok: true, latency_ms: 12.4, status_code: 200, error: null },
  last_exit: null,
  last_error: null,
  state_reason: 'health check passed',
  state_actor: 'health',
  state_since: '2026-01-01T09:59:00Z',
  next_restart_in_ms: null,
  health_failures: 0,
  startup: null,
};

const DB: ServiceStatus = {
  ...BASE,
  name: 'db',
  primary: false,
  pid: 200,
  restart_count: 0,
  depends_on: [],
  health_check: { kind: 'tcp', target: '127.0.0.1:5432' },
};
const API: ServiceStatus = {
  ...BASE,
  name: 'api',
  primary: true,
  depends_on: [{ service: 'db', condition: 'service_healthy' }],
  health_check: { kind: 'http', target: 'http://127.0.0.1:3000/health' },
};

const WAITING: BackendStatus = {
  ...BASE,
  status: 'waiting',
  pid: null,
  uptime_secs: 0,
  is_running: false,
  last_health_check: 'unknown',
  last_health: null,
  state_reason: 'db is not healthy',
  state_actor: 'dependency',
  state_since: '2026-01-01T10:01:00Z',
};
const STOPPED: BackendStatus = {
  ...BASE,
  status: 'stopped',
  pid: null,
  uptime_secs: 0,
  is_running: false,
  state_reason: 'stopped by request',
  state_actor: 'user-ui',
  state_since: '2026-01-01T10:01:00Z',
};

/** A stack of `db` and `api` (primary; waits for db healthy); every command succeeds. */
class StackApi extends FakeSupervisorApi {
  services: ServiceStatus[] = [DB, API];
  constructor() {
    super();
    this.answers['services:list'] = async () => this.services;
    this.answers['backend:status'] = async (ref) => {
      const {
        name: _n,
        primary: _p,
        depends_on: _d,
        health_check: _h,
        ...status
      } = this.services.find((s) => (ref?.service === undefined ? s.primary : s.name === ref.service))!;
      return status;
    };
    const ok = async () => ({ success: true, message: 'ok', pid: 1, status: 'running' as const, restart_count: 0 });
    this.answers['backend:start'] = ok;
    this.answers['backend:stop'] = ok;
    this.answers['backend:restart'] = ok;
    const stackOk = async () => ({ success: true, message: 'ok', services: [] });
    this.answers['stack:start'] = stackOk;
    this.answers['stack:stop'] = stackOk;
    this.answers['stack:restart'] = async () => ({ success: false, message: 'db would not start', services: [] });
  }
  argsOfAll(channel: Parameters<FakeSupervisorApi['count']>[0]): unknown[][] {
    return this.calls.filter((c) => c.channel === channel).map((c) => c.args);
  }
}

const row = (name: string) => screen.getAllByTestId('service-row').find((r) => r.dataset.service === name)!;

afterEach(cleanup);

describe('ServicesPage', () => {
  it('a row per service in file order: primary marked, state, pid, restarts, health, what it waits for', async () => {
    renderWithApi(new StackApi(), <ServicesPage />);
    await screen.findAllByTestId('service-row');
    expect(screen.getAllByTestId('service-row').map((r) => r.dataset.service)).toEqual(['db', 'api']);
    expect(within(row('api')).queryByTestId('service-primary')).not.toBeNull();
    expect(within(row('db')).queryByTestId('service-primary')).toBeNull();
    expect(within(row('db')).getByTestId('state-badge').textContent).toBe('running');
    expect(within(row('db')).getByTestId('service-pid').textContent).toBe('200');
    expect(within(row('api')).getByTestId('service-restarts').textContent).toBe('2');
    expect(within(row('api')).getByTestId('service-uptime').textContent).toMatch(/^1m 0\ds$/);
    expect(within(row('api')).getByTestId('service-health').textContent).toMatch(/^healthy · 12 ms/);
    expect(within(row('api')).getByTestId('service-waits').textContent).toBe('db (healthy)');
    expect(within(row('db')).getByTestId('service-waits').textContent).toBe('—');
    expect(screen.getByTestId('services-count').textContent).toBe('2 of 2 running');
  });

  it('row actions call backend:* with the row service; stack buttons call stack:* and show a refusal', async () => {
    const api = new StackApi();
    renderWithApi(api, <ServicesPage />);
    await screen.findAllByTestId('service-row');
    // Running: no Start, but Stop and Restart.
    expect(within(row('db')).getByTestId('service-start')).toHaveProperty('disabled', true);
    fireEvent.click(within(row('db')).getByTestId('service-stop'));
    await waitFor(() => expect(api.argsOfAll('backend:stop')).toEqual([[{ service: 'db' }]]));
    await waitFor(() => expect(within(row('api')).getByTestId('service-restart')).toHaveProperty('disabled', false));
    fireEvent.click(within(row('api')).getByTestId('service-restart'));
    await waitFor(() => expect(api.argsOfAll('backend:restart')).toEqual([[{ service: 'api' }]]));

    await waitFor(() => expect(screen.getByTestId('stack-stop')).toHaveProperty('disabled', false));
    fireEvent.click(screen.getByTestId('stack-stop'));
    await waitFor(() => expect(api.argsOfAll('stack:stop')).toEqual([[]]));
    await waitFor(() => expect(screen.getByTestId('stack-restart')).toHaveProperty('disabled', false));
    fireEvent.click(screen.getByTestId('stack-restart'));
    expect((await screen.findByTestId('services-command-error')).textContent).toContain('db would not start');
    expect(api.count('stack:start')).toBe(0);
  });

  it('follows backend:state events of any service; one without service is the primary', async () => {
    const api = new StackApi();
    renderWithApi(api, <ServicesPage />);
    await screen.findAllByTestId('service-row');
    act(() =>
      api.emit('backend:state', {
        service: 'db',
        from: 'running',
        to: 'stopped',
        actor: 'user-ui',
        reason: 'stopped by request',
        at: STOPPED.state_since,
        status: STOPPED,
      }),
    );
    await waitFor(() => expect(row('db').dataset.state).toBe('stopped'));
    expect(row('api').dataset.state).toBe('running');
    expect(within(row('db')).getByTestId('service-start')).toHaveProperty('disabled', false);

    act(() =>
      api.emit('backend:state', {
        from: 'running',
        to: 'waiting',
        actor: 'dependency',
        reason: 'db is not healthy',
        at: WAITING.state_since,
        status: WAITING,
      }),
    );
    await waitFor(() => expect(row('api').dataset.state).toBe('waiting'));
    expect(within(row('api')).getByTestId('service-waits').textContent).toBe('db is not healthy');
    expect(within(row('api')).getByTestId('service-pid').textContent).toBe('—');
    expect(row('db').dataset.state).toBe('stopped');
  });
});

describe('applyStateEvent', () => {
  it('keeps a row that holds a later state change, and answers the same list when nothing changed', () => {
    const list = [DB, { ...API, state_since: '2026-01-01T11:00:00Z' }];
    expect(applyStateEvent(list, { service: 'api', status: WAITING })).toBe(list);
    expect(applyStateEvent(list, { service: 'nope', status: WAITING })).toBe(list);
    const next = applyStateEvent(list, { service: 'db', status: STOPPED });
    expect(next.map((s) => s.status)).toEqual(['stopped', 'running']);
    expect(next[0]).toMatchObject({ name: 'db', primary: false, health_check: DB.health_check });
  });
});

describe('belongsTo', () => {
  it('untagged items are the primary service', () => {
    expect(belongsTo(undefined, undefined, 'api')).toBe(true);
    expect(belongsTo(undefined, 'api', 'api')).toBe(true);
    expect(belongsTo(undefined, 'db', 'api')).toBe(false);
    expect(belongsTo('db', undefined, 'api')).toBe(false);
    expect(belongsTo('api', undefined, 'api')).toBe(true);
    expect(belongsTo('db', 'db', 'api')).toBe(true);
    // No list known (a supervisor of one service): everything is its.
    expect(belongsTo('backend', undefined, undefined)).toBe(true);
  });
});

describe('StatusPage of a stack', () => {
  it('a selector (default primary) switches status, commands and events to the chosen service', async () => {
    const api = new StackApi();
    renderWithApi(api, <StatusPage />);
    const select = (await screen.findByTestId('status-service')) as HTMLSelectElement;
    expect(select.value).toBe('api');
    await waitFor(() => expect(screen.getByTestId('pid').textContent).toBe('100'));
    // The primary's calls name no service.
    expect(api.argsOfAll('backend:status')[0]).toEqual([]);

    // Another service's event does not touch the primary's page.
    act(() =>
      api.emit('backend:state', {
        service: 'db',
        from: 'running',
        to: 'stopped',
        actor: 'user-ui',
        reason: 'stopped by request',
        at: STOPPED.state_since,
        status: STOPPED,
      }),
    );
    expect(screen.getByTestId('state-badge').textContent).toBe('running');
    // An event without service is the primary's.
    act(() =>
      api.emit('backend:state', {
        from: 'running',
        to: 'waiting',
        actor: 'dependency',
        reason: 'db is not healthy',
        at: WAITING.state_since,
        status: WAITING,
      }),
    );
    await waitFor(() => expect(screen.getByTestId('state-badge').textContent).toBe('waiting'));
    expect(screen.getByTestId('waiting').textContent).toContain('db is not healthy');

    fireEvent.change(select, { target: { value: 'db' } });
    await waitFor(() => expect(screen.getByTestId('pid').textContent).toBe('200'));
    expect(screen.getByTestId('status-title').textContent).toBe('db');
    expect(api.argsOfAll('backend:status')).toContainEqual([{ service: 'db' }]);
    fireEvent.click(screen.getByTestId('btn-stop'));
    await waitFor(() => expect(api.argsOfAll('backend:stop')).toEqual([[{ service: 'db' }]]));
    // Now the primary's events are ignored, db's followed.
    act(() =>
      api.emit('backend:state', {
        from: 'waiting',
        to: 'stopped',
        actor: 'user-ui',
        reason: 'x',
        at: '2026-01-01T12:00:00Z',
        status: { ...STOPPED, state_since: '2026-01-01T12:00:00Z' },
      }),
    );
    expect(screen.getByTestId('state-badge').textContent).toBe('running');
    act(() =>
      api.emit('backend:state', {
        service: 'db',
        from: 'running',
        to: 'stopped',
        actor: 'user-ui',
        reason: 'stopped by request',
        at: '2026-01-01T12:00:00Z',
        status: { ...STOPPED, state_since: '2026-01-01T12:00:00Z' },
      }),
    );
    await waitFor(() => expect(screen.getByTestId('state-badge').textContent).toBe('stopped'));
  });

  it('one service: no selector, and the calls name no service', async () => {
    const api = new StackApi();
    api.services = [{ ...API, name: 'backend', depends_on: [] }];
    renderWithApi(api, <StatusPage />);
    await waitFor(() => expect(screen.getByTestId('pid').textContent).toBe('100'));
    await waitFor(() => expect(api.count('services:list')).toBeGreaterThan(0));
    expect(screen.queryByTestId('status-service')).toBeNull();
    expect(screen.getByTestId('status-title').textContent).toBe('Backend');
    fireEvent.click(screen.getByTestId('btn-stop'));
    await waitFor(() => expect(api.argsOfAll('backend:stop')).toEqual([[]]));
  });
});
