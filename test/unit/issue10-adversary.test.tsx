// @vitest-environment happy-dom
// (The pragma: the unit project compiles test files without the renderer's JSX setting.)
/**
 * Issue 10 item 4 attacked on the Incidents page: a run that compaction cut in half, an
 * incident of an older file (no run), a summary that is HTML.
 */
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSupervisorApi, renderWithApi } from '../helpers/fake-api';
import type { Incident } from '../../src/shared/incident';
import type { BackendStatus } from '../../src/shared/status';
import { IncidentsPage } from '../../src/renderer/src/pages/incidents-page';
import { StatusView } from '../../src/renderer/src/pages/status-page';

function incident(id: string, minute: number, extra: Partial<Incident> = {}): Incident {
  return {
    id,
    at: `2026-01-01T10:0${minute}:00.000Z`,
    kind: 'crash',
    summary: 'exited unexpectedly (exited with code 1)',
    pid: 4242,
    exit: { code: 1, signal: null },
    uptime_ms: 300,
    action: 'restart attempt 1/3 in 100 ms',
    logs: [],
    probes: [],
    ...extra,
  };
}

class FakeApi extends FakeSupervisorApi {
  constructor(incidents: Incident[]) {
    super();
    this.answers['incidents:list'] = async () => structuredClone(incidents);
  }
}

const cards = (): HTMLElement[] => screen.queryAllByTestId('incident');

afterEach(cleanup);

describe('Incidents page: runs as the file holds them', () => {
  it('a run whose first attempts were compacted away says how many it had, numbered as they were', async () => {
    // Newest first; attempts 1 and 2 of run r went with compaction.
    const list = [
      incident('r-4', 4, { run_id: 'r', attempt: 4, action: 'gave up after 3 consecutive restart attempts' }),
      incident('r-3', 3, { run_id: 'r', attempt: 3, action: 'restart attempt 3/3 in 400 ms' }),
    ];
    renderWithApi(new FakeApi(list), <IncidentsPage />);
    await waitFor(() => expect(cards()).toHaveLength(1));
    const run = within(cards()[0]!).getByTestId('incident-run');
    expect(run.textContent).toContain('4 attempts in this failure run (the first 2 no longer kept)');
    expect(
      within(run)
        .getAllByTestId('incident-attempt')
        .map((a) => a.textContent?.slice(0, 2)),
    ).toEqual(['3.', '4.']);
  });

  it('the one attempt compaction left of a run still reads as its last attempt, with the verdict', async () => {
    const list = [
      incident('r-4', 4, { run_id: 'r', attempt: 4, action: 'gave up after 3 consecutive restart attempts' }),
    ];
    renderWithApi(new FakeApi(list), <IncidentsPage />);
    await waitFor(() => expect(cards()).toHaveLength(1));
    const card = cards()[0]!;
    expect(within(card).getByTestId('incident-run').textContent).toContain(
      '4 attempts in this failure run (the first 3 no longer kept)',
    );
    expect(within(card).getByText('Verdict')).toBeTruthy();
  });

  it('an incident of an older file (no run id, no attempt) is a card of its own', async () => {
    const list = [incident('new', 2, { run_id: 'r', attempt: 1 }), incident('old', 1)];
    renderWithApi(new FakeApi(list), <IncidentsPage />);
    await waitFor(() => expect(cards().map((c) => c.getAttribute('data-id'))).toEqual(['new', 'old']));
  });

  it('HTML in a summary is shown as text, never run', async () => {
    const summary = 'exited unexpectedly — stderr: <script>window.pwned=1</script><img src=x onerror=alert(1)>';
    renderWithApi(new FakeApi([incident('x', 1, { summary })]), <IncidentsPage />);
    await waitFor(() => expect(cards()).toHaveLength(1));
    expect(within(cards()[0]!).getByTestId('incident-summary').textContent).toBe(summary);
    expect(document.querySelector('script, img[src="x"]')).toBeNull();
  });
});

const RUNNING: BackendStatus = {
  status: 'running',
  pid: 31337,
  uptime_secs: 65,
  restart_count: 0,
  last_health_check: 'healthy',
  is_running: true,
  orchestrator_enabled: true,
  backend_url: 'http://127.0.0.1:3000',
  consecutive_failures: 0,
  last_health: { at: new Date().toISOString(), ok: true, latency_ms: 2, status_code: 200, error: null },
  last_exit: null,
  last_error: null,
  state_reason: 'healthy after 40 ms',
  state_actor: 'user-ui',
  state_since: new Date().toISOString(),
  next_restart_in_ms: null,
  health_failures: 0,
  startup: null,
};

describe('Status page while it cannot see the supervisor', () => {
  const minuteAgo = (): number => Date.now() - 60_000;

  it('live: the uptime counts on from the snapshot', () => {
    renderWithApi(new FakeApi([]), <StatusView status={RUNNING} receivedAt={minuteAgo()} />);
    expect(screen.getByTestId('uptime').textContent).toBe('2m 05s');
  });

  it('reconnecting or a failed refresh: the uptime stays the last one seen, not a process the page cannot see', () => {
    renderWithApi(new FakeApi([]), <StatusView status={RUNNING} receivedAt={minuteAgo()} reconnecting />);
    expect(screen.getByTestId('uptime').textContent).toBe('1m 05s');
    cleanup();
    renderWithApi(
      new FakeApi([]),
      <StatusView status={RUNNING} receivedAt={minuteAgo()} staleError={new Error('fetch failed')} />,
    );
    expect(screen.getByTestId('uptime').textContent).toBe('1m 05s');
  });
});
