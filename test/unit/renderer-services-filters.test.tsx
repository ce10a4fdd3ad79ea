// @vitest-environment happy-dom
// (The pragma: the unit project compiles test files without the renderer's JSX setting.)
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSupervisorApi, renderWithApi } from '../helpers/fake-api';
import { makeIncident } from '../helpers/incidents';
import type { ServiceStatus } from '../../src/shared/services';
import type { LogLine } from '../../src/shared/status';
import { useLogTail, type LogTailOptions } from '../../src/renderer/src/hooks/use-log-tail';
import { LogMerger } from '../../src/renderer/src/logs/log-merge';
import { ALL_SERVICES, LogsPage } from '../../src/renderer/src/pages/logs-page';
import { IncidentsView } from '../../src/renderer/src/pages/incidents-page';

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);
const line = (service: string | undefined, seq: number, second: number, text = `${service} ${seq}`): LogLine => ({
  seq,
  ts: new Date(T0 + second * 1000).toISOString(),
  stream: 'stdout',
  text,
  ...(service === undefined ? {} : { service }),
});

const service = (name: string, primary: boolean): ServiceStatus => ({
  name,
  primary,
  depends_on: [],
  health_check: { kind: 'none', target: '' },
  status: 'running',
  pid: 1,
  uptime_secs: 1,
  restart_count: 0,
  last_health_check: 'unknown',
  is_running: true,
  orchestrator_enabled: true,
  backend_url: 'http://127.0.0.1:1',
  consecutive_failures: 0,
  last_health: null,
  last_exit: null,
  last_error: null,
  state_reason: '',
  state_actor: 'app-start',
  state_since: '2026-01-01T10:00:00Z',
  next_restart_in_ms: null,
  health_failures: 0,
  startup: null,
});

const STACK = [service('db', false), service('api', true)];

/** `db` lines at even seconds, `api` (primary) lines at odd seconds; each with its own seq. */
class LogsApi extends FakeSupervisorApi {
  constructor(services: ServiceStatus[] = [service('db', false), service('api', true)]) {
    super();
    this.answers['services:list'] = async () => services;
    this.answers['logs:tail'] = async (options) =>
      options?.service === 'db'
        ? [line('db', 0, 0), line('db', 1, 2)]
        : [line('api', 0, 1), line('api', 1, 3), line('api', 2, 5)];
  }
  tailArgs(): unknown[] {
    return this.calls.filter((c) => c.channel === 'logs:tail').map((c) => c.args[0]);
  }
}

/** Shows the hook's lines as `service:seq:text`. */
function Tail(props: LogTailOptions) {
  const { lines } = useLogTail({ flushMs: 0, ...props });
  return (
    <ul>
      {lines.map((l) => (
        <li key={l.seq} data-testid="l">
          {l.service ?? '-'}:{l.seq}:{l.text}
        </li>
      ))}
    </ul>
  );
}
const shown = () => screen.queryAllByTestId('l').map((li) => li.textContent);

afterEach(cleanup);

describe('useLogTail of one service', () => {
  it('asks logs:tail for the service; live lines of other services are dropped, untagged ones are the primary', async () => {
    const api = new LogsApi();
    renderWithApi(api, <Tail limit={10} service="db" primary="api" />);
    await waitFor(() => expect(shown()).toEqual(['db:0:db 0', 'db:1:db 1']));
    expect(api.tailArgs()).toEqual([{ limit: 10, service: 'db' }]);
    act(() => {
      api.emit('backend:log', line('api', 9, 9));
      api.emit('backend:log', line(undefined, 10, 10));
      api.emit('backend:log', line('db', 2, 11));
    });
    await waitFor(() => expect(shown()).toEqual(['db:0:db 0', 'db:1:db 1', 'db:2:db 2']));
  });

  it('the primary (no service asked): the call names no service; untagged live lines are kept', async () => {
    const api = new LogsApi();
    renderWithApi(api, <Tail limit={10} primary="api" />);
    await waitFor(() => expect(shown()).toHaveLength(3));
    expect(api.tailArgs()).toEqual([{ limit: 10 }]);
    act(() => {
      api.emit('backend:log', line('db', 5, 9));
      api.emit('backend:log', line(undefined, 3, 10, 'untagged'));
    });
    await waitFor(() => expect(shown().at(-1)).toBe('-:3:untagged'));
    expect(shown()).toHaveLength(4);
  });
});

describe('useLogTail merging services', () => {
  it('merges the tails by time, renumbers, tags the service, and drops live duplicates per service', async () => {
    const api = new LogsApi();
    renderWithApi(api, <Tail limit={10} primary="api" merge={['db', 'api']} />);
    await waitFor(() =>
      expect(shown()).toEqual(['db:0:db 0', 'api:1:api 0', 'db:2:db 1', 'api:3:api 1', 'api:4:api 2']),
    );
    expect(api.tailArgs()).toEqual([
      { limit: 10, service: 'db' },
      { limit: 10, service: 'api' },
    ]);
    act(() => {
      api.emit('backend:log', line('db', 1, 2)); // came with the tail
      api.emit('backend:log', line('db', 2, 6));
      api.emit('backend:log', line(undefined, 3, 7, 'untagged'));
      api.emit('backend:log', line('other', 0, 8));
    });
    await waitFor(() => expect(shown().slice(5)).toEqual(['db:5:db 2', 'api:6:untagged']));
    expect(shown()).toHaveLength(7);
  });

  it('LogMerger keeps equal times in the order of the tails', () => {
    const merger = new LogMerger('api');
    const merged = merger.mergeTails([
      { service: 'api', lines: [line(undefined, 7, 1, 'a')] },
      { service: 'db', lines: [line('db', 3, 1, 'b')] },
    ]);
    expect(merged.map((l) => [l.service, l.seq, l.text])).toEqual([
      ['api', 0, 'a'],
      ['db', 1, 'b'],
    ]);
  });
});

describe('LogsPage service filter', () => {
  it('shown for a stack: default primary; another service or all of them ask their tails', async () => {
    const api = new LogsApi();
    renderWithApi(api, <LogsPage services={STACK} />);
    const select = (await screen.findByTestId('log-service')) as HTMLSelectElement;
    expect(select.value).toBe('api');
    await waitFor(() => expect(screen.getByTestId('log-count').textContent).toBe('3 lines'));
    fireEvent.change(select, { target: { value: 'db' } });
    await waitFor(() => expect(screen.getByTestId('log-count').textContent).toBe('2 lines'));
    expect(api.tailArgs()).toContainEqual(expect.objectContaining({ service: 'db' }));
    fireEvent.change(screen.getByTestId('log-service'), { target: { value: ALL_SERVICES } });
    await waitFor(() => expect(screen.getByTestId('log-count').textContent).toBe('5 lines'));
  });

  it('not shown with one service, and the tail names no service', async () => {
    const api = new LogsApi([service('backend', true)]);
    renderWithApi(api, <LogsPage services={[service('backend', true)]} />);
    await waitFor(() => expect(screen.getByTestId('log-count').textContent).toBe('3 lines'));
    expect(screen.queryByTestId('log-service')).toBeNull();
    expect(api.tailArgs().every((a) => (a as { service?: string }).service === undefined)).toBe(true);
  });
});

describe('IncidentsView service filter', () => {
  const incidents = [
    makeIncident({ id: 'c', service: 'db', at: '2026-12-01T10:03:00.000Z', run_id: 'c' }),
    makeIncident({ id: 'b', at: '2026-12-01T10:02:00.000Z', run_id: 'b' }),
    makeIncident({ id: 'a', service: 'api', at: '2026-12-01T10:01:00.000Z', run_id: 'a' }),
  ];
  const ids = () => screen.getAllByTestId('incident').map((el) => el.dataset.id);

  it('filters by service (untagged: backend) and names the service on each incident', () => {
    renderWithApi(new FakeSupervisorApi(), <IncidentsView incidents={incidents} services={['db', 'api']} />);
    expect(ids()).toEqual(['c', 'b', 'a']);
    expect(screen.getAllByTestId('incident-service-name').map((el) => el.textContent)).toEqual([
      'db',
      'backend',
      'api',
    ]);
    const select = screen.getByTestId('incident-service') as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual(['*all', 'db', 'api', 'backend']);
    fireEvent.change(select, { target: { value: 'db' } });
    expect(ids()).toEqual(['c']);
    fireEvent.change(select, { target: { value: 'backend' } });
    expect(ids()).toEqual(['b']);
    expect(screen.getByTestId('incident-count').textContent).toBe('1 incident');
  });

  it('one service: no filter and no service names', () => {
    renderWithApi(
      new FakeSupervisorApi(),
      <IncidentsView incidents={[makeIncident({ id: 'x' })]} services={['backend']} />,
    );
    expect(screen.queryByTestId('incident-service')).toBeNull();
    expect(screen.queryByTestId('incident-service-name')).toBeNull();
  });
});
