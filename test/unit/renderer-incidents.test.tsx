// @vitest-environment happy-dom
// (The pragma: the unit project compiles test files without the renderer's JSX setting.)
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeSupervisorApi, renderWithApi } from '../helpers/fake-api';
import { ApiError } from '../../src/shared/contract';
import type { Incident } from '../../src/shared/incident';
import type { BackendStatus } from '../../src/shared/status';
import { incidentFileName } from '../../src/renderer/src/incidents/export-json';
import { mergeIncidents, prependIncident } from '../../src/renderer/src/incidents/incident-list';
import { IncidentsPage } from '../../src/renderer/src/pages/incidents-page';
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
  last_exit: null,
  last_error: null,
  state_reason: 'health check passed',
  state_actor: 'health',
  state_since: '2026-01-01T09:59:00Z',
  next_restart_in_ms: null,
  health_failures: 0,
  startup: null,
};

function incident(id: string, at: string, kind: Incident['kind'], extra: Partial<Incident> = {}): Incident {
  return {
    id,
    at,
    kind,
    summary: `${kind} of the backend`,
    pid: 4242,
    exit: { code: null, signal: 'SIGKILL' },
    uptime_ms: 65_000,
    action: 'restart attempt 1/3 in 1000 ms',
    logs: [
      { seq: 10, ts: at, stream: 'stdout', text: 'listening on :3000' },
      { seq: 11, ts: at, stream: 'stderr', text: 'panic: out of memory' },
    ],
    probes: [
      { at, ok: true, latency_ms: 3.2, status_code: 200, error: null },
      { at, ok: false, latency_ms: null, status_code: null, error: 'ECONNREFUSED' },
    ],
    ...extra,
  };
}

// Newest first, as `incidents:list` answers.
const LIST: Incident[] = [
  incident('c', '2026-01-01T10:02:00.000Z', 'hang'),
  incident('b', '2026-01-01T10:01:00.000Z', 'failed-start', { exit: { code: 1, signal: null }, uptime_ms: 300 }),
  incident('a', '2026-01-01T10:00:00.000Z', 'port-in-use', { pid: null, exit: null, uptime_ms: null }),
];

/** The fake API answering `backend:status` and `incidents:list` from its fields (read at each call). */
class FakeApi extends FakeSupervisorApi {
  status = RUNNING;
  incidents: Incident[] = LIST;
  constructor() {
    super();
    this.answers['backend:status'] = async () => this.status;
    this.answers['incidents:list'] = async () => structuredClone(this.incidents);
  }
}

const renderWith = (api: FakeApi, page: ReactNode) => renderWithApi(api, page);

const ids = (): (string | null)[] => screen.queryAllByTestId('incident').map((item) => item.getAttribute('data-id'));
const kinds = (): (string | null)[] =>
  screen.queryAllByTestId('incident').map((item) => item.getAttribute('data-kind'));

/** Stubs the Blob download: returns the blobs handed to createObjectURL and the anchors clicked. */
function stubDownloads() {
  const blobs: Blob[] = [];
  const clicked: { download: string; href: string }[] = [];
  const originalCreate = URL.createObjectURL;
  const originalRevoke = URL.revokeObjectURL;
  URL.createObjectURL = vi.fn((blob: Blob) => {
    blobs.push(blob);
    return `blob:test/${blobs.length}`;
  });
  URL.revokeObjectURL = vi.fn();
  const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    clicked.push({ download: this.download, href: this.href });
  });
  const restore = (): void => {
    URL.createObjectURL = originalCreate;
    URL.revokeObjectURL = originalRevoke;
    click.mockRestore();
  };
  return { blobs, clicked, restore };
}

afterEach(cleanup);

describe('IncidentsPage', () => {
  it('shows the incidents newest first, with their kinds and facts', async () => {
    renderWith(new FakeApi(), <IncidentsPage />);
    await waitFor(() => expect(ids()).toEqual(['c', 'b', 'a']));
    expect(kinds()).toEqual(['hang', 'failed-start', 'port-in-use']);
    expect(screen.getByTestId('incident-count').textContent).toBe('3 incidents');

    const [hang, failedStart, portInUse] = screen.getAllByTestId('incident');
    expect(within(hang!).getByTestId('incident-kind').textContent).toBe('hang');
    expect(within(hang!).getByTestId('incident-summary').textContent).toBe('hang of the backend');
    expect(within(hang!).getByTestId('incident-pid').textContent).toBe('4242');
    expect(within(hang!).getByTestId('incident-exit').textContent).toBe('SIGKILL');
    expect(within(hang!).getByTestId('incident-uptime').textContent).toBe('1m 05s');
    expect(within(hang!).getByTestId('incident-action').textContent).toBe('restart attempt 1/3 in 1000 ms');
    expect(within(hang!).getByTestId('incident-time').textContent).toMatch(/ago$/);
    expect(within(failedStart!).getByTestId('incident-exit').textContent).toBe('exit code 1');
    expect(within(failedStart!).getByTestId('incident-uptime').textContent).toBe('300 ms');
    expect(within(portInUse!).getByTestId('incident-pid').textContent).toBe('—');
    expect(within(portInUse!).getByTestId('incident-exit').textContent).toBe('—');
  });

  it('expands an incident to its last log lines and probes', async () => {
    renderWith(new FakeApi(), <IncidentsPage />);
    await waitFor(() => expect(ids()).toHaveLength(3));
    const first = screen.getAllByTestId('incident')[0]!;
    expect(within(first).queryByTestId('incident-details')).toBeNull();
    fireEvent.click(within(first).getByTestId('incident-toggle'));
    const details = await within(first).findByTestId('incident-details');
    const lines = within(details).getAllByTestId('log-line');
    expect(lines.map((line) => line.getAttribute('data-stream'))).toEqual(['stdout', 'stderr']);
    expect(lines[1]!.textContent).toContain('panic: out of memory');
    const probes = within(details).getAllByTestId('incident-probe');
    expect(probes.map((row) => row.getAttribute('data-ok'))).toEqual(['true', 'false']);
    expect(probes[1]!.textContent).toContain('ECONNREFUSED');
  });

  it('puts a backend:incident event in front, once', async () => {
    const api = new FakeApi();
    renderWith(api, <IncidentsPage />);
    await waitFor(() => expect(ids()).toEqual(['c', 'b', 'a']));

    const crash = incident('d', '2026-01-01T10:03:00.000Z', 'crash');
    act(() => api.emit('backend:incident', crash));
    await waitFor(() => expect(ids()).toEqual(['d', 'c', 'b', 'a']));
    expect(kinds()[0]).toBe('crash');

    // The same incident again (e.g. also in a refetched list), and an old one: no duplicates.
    // Cache updates reach the page asynchronously: a later, new incident shows they were applied.
    act(() => api.emit('backend:incident', crash));
    act(() => api.emit('backend:incident', LIST[1]!));
    act(() => api.emit('backend:incident', incident('f', '2026-01-01T10:05:00.000Z', 'port-in-use')));
    await waitFor(() => expect(ids()[0]).toBe('f'));
    expect(ids()).toEqual(['f', 'd', 'c', 'b', 'a']);
    expect(screen.getByTestId('incident-count').textContent).toBe('5 incidents');
  });

  it('keeps an incident that arrives while the list loads', async () => {
    const api = new FakeApi();
    let answer: (list: Incident[]) => void = () => {};
    api.answers['incidents:list'] = () => new Promise((resolve) => (answer = resolve));
    renderWith(api, <IncidentsPage />);
    await waitFor(() => expect(screen.getByTestId('incidents-page')).toBeTruthy());

    const launch = incident('e', '2026-01-01T10:04:00.000Z', 'launch-error');
    act(() => api.emit('backend:incident', launch));
    await act(async () => answer(structuredClone(LIST)));
    await waitFor(() => expect(ids()).toEqual(['e', 'c', 'b', 'a']));
    expect(kinds()[0]).toBe('launch-error');
  });

  it('says so when there are no incidents', async () => {
    const api = new FakeApi();
    api.incidents = [];
    renderWith(api, <IncidentsPage />);
    expect((await screen.findByTestId('incidents-empty')).textContent).toContain(
      'No incidents yet — crashes, hangs, failed starts and remote outages will be listed here.',
    );
    expect(screen.getByTestId('incidents-export-all')).toHaveProperty('disabled', true);
  });

  it('shows a load error with a retry', async () => {
    const api = new FakeApi();
    let fail = true;
    api.answers['incidents:list'] = async () => {
      if (fail) throw new ApiError({ code: 'UNAUTHORIZED', message: 'token refused' });
      return structuredClone(LIST);
    };
    renderWith(api, <IncidentsPage />);
    expect((await screen.findByTestId('incidents-error')).textContent).toContain('token refused');
    fail = false;
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(ids()).toEqual(['c', 'b', 'a']));
  });

  it('exports one incident as pretty JSON equal to the incident', async () => {
    const downloads = stubDownloads();
    try {
      renderWith(new FakeApi(), <IncidentsPage />);
      await waitFor(() => expect(ids()).toHaveLength(3));
      fireEvent.click(within(screen.getAllByTestId('incident')[1]!).getByTestId('incident-export'));

      expect(downloads.clicked).toEqual([
        { download: 'incident-2026-01-01T10-01-00.000Z-failed-start.json', href: 'blob:test/1' },
      ]);
      const blob = downloads.blobs[0]!;
      expect(blob.type).toBe('application/json');
      const text = await blob.text();
      expect(JSON.parse(text)).toEqual(LIST[1]);
      expect(text).toBe(`${JSON.stringify(LIST[1], null, 2)}\n`);
      // The temporary anchor is gone.
      expect(document.querySelectorAll('a[download]')).toHaveLength(0);
    } finally {
      downloads.restore();
    }
  });

  it('exports all incidents, newest first', async () => {
    const downloads = stubDownloads();
    try {
      renderWith(new FakeApi(), <IncidentsPage />);
      await waitFor(() => expect(ids()).toHaveLength(3));
      fireEvent.click(screen.getByTestId('incidents-export-all'));
      expect(downloads.clicked[0]!.download).toMatch(/^incidents-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z\.json$/);
      expect(JSON.parse(await downloads.blobs[0]!.text())).toEqual(LIST);
    } finally {
      downloads.restore();
    }
  });
});

describe('IncidentsPage failure runs', () => {
  /** A crash loop: four attempts of one run, newest first, the last one the verdict. */
  const loop = (runId: string): Incident[] =>
    [1, 2, 3, 4]
      .map((attempt) =>
        incident(`${runId}-${attempt}`, `2026-01-01T10:0${attempt}:00.000Z`, 'crash', {
          run_id: runId,
          attempt,
          summary: 'exited unexpectedly (exited with code 1) — stderr: FATAL: cannot connect to database',
          exit: { code: 1, signal: null },
          action: attempt === 4 ? 'gave up after 3 consecutive restart attempts' : `restart attempt ${attempt}/3`,
        }),
      )
      .reverse();

  it('shows a crash loop as one incident with its attempts and the final verdict', async () => {
    const api = new FakeApi();
    api.incidents = [...loop('r1'), ...LIST];
    renderWith(api, <IncidentsPage />);
    await waitFor(() => expect(ids()).toEqual(['r1-4', 'c', 'b', 'a']));
    expect(screen.getByTestId('incident-count').textContent).toBe('4 incidents');
    const card = screen.getAllByTestId('incident')[0]!;
    expect(card.getAttribute('data-attempts')).toBe('4');
    expect(within(card).getByTestId('incident-summary').textContent).toBe(
      'exited unexpectedly (exited with code 1) — stderr: FATAL: cannot connect to database',
    );
    expect(within(card).getByTestId('incident-action').textContent).toBe(
      'gave up after 3 consecutive restart attempts',
    );
    expect(within(card).getByText('Verdict')).toBeTruthy();
    const attempts = within(card).getAllByTestId('incident-attempt');
    expect(attempts.map((a) => a.getAttribute('data-id'))).toEqual(['r1-1', 'r1-2', 'r1-3', 'r1-4']);
    expect(attempts[0]!.textContent).toMatch(
      /^1\. .* · crash · exit code 1 — exited unexpectedly .*; restart attempt 1\/3$/,
    );
    // A single incident lists no attempts.
    expect(within(screen.getAllByTestId('incident')[1]!).queryByTestId('incident-run')).toBeNull();
  });

  it('adds a live attempt to its run instead of a new card', async () => {
    const api = new FakeApi();
    const [, ...older] = loop('r1'); // attempts 1-3 known
    api.incidents = older;
    renderWith(api, <IncidentsPage />);
    await waitFor(() => expect(ids()).toEqual(['r1-3']));
    // The run goes on: its last action is a scheduled restart, no verdict yet.
    expect(screen.getByText('Last action')).toBeTruthy();
    act(() => api.emit('backend:incident', loop('r1')[0]!));
    await waitFor(() => expect(ids()).toEqual(['r1-4']));
    expect(screen.getAllByTestId('incident')[0]!.getAttribute('data-attempts')).toBe('4');
    expect(screen.getByTestId('incident-count').textContent).toBe('1 incident');
    expect(screen.getByText('Verdict')).toBeTruthy();
  });

  it('exports a run as its attempts, newest first', async () => {
    const downloads = stubDownloads();
    try {
      const api = new FakeApi();
      api.incidents = loop('r1');
      renderWith(api, <IncidentsPage />);
      await waitFor(() => expect(ids()).toEqual(['r1-4']));
      fireEvent.click(screen.getByTestId('incident-export'));
      expect(JSON.parse(await downloads.blobs[0]!.text())).toEqual(loop('r1'));
    } finally {
      downloads.restore();
    }
  });
});

describe('StatusPage last incident', () => {
  it('links to the Incidents page with the newest kind', async () => {
    renderWith(new FakeApi(), <StatusPage />);
    const link = await screen.findByTestId('last-incident');
    expect(link.getAttribute('href')).toBe('#/incidents');
    expect(link.getAttribute('data-kind')).toBe('hang');
    expect(link.textContent).toMatch(/^Last incident: hang \d+[smhd] ago$/);
  });

  it('shows no line without incidents', async () => {
    const api = new FakeApi();
    api.incidents = [];
    renderWith(api, <StatusPage />);
    await screen.findByTestId('state-badge');
    await waitFor(() => expect(screen.queryByTestId('last-incident')).toBeNull());
  });
});

describe('incident list helpers', () => {
  it('prepends a new incident and skips a known one', () => {
    const fresh = incident('z', '2026-01-01T11:00:00.000Z', 'crash');
    expect(prependIncident(LIST, fresh).map((i) => i.id)).toEqual(['z', 'c', 'b', 'a']);
    expect(prependIncident(LIST, LIST[2]!)).toBe(LIST);
    expect(prependIncident(LIST, fresh, 2).map((i) => i.id)).toEqual(['z', 'c']);
  });

  it('merges a fetched list with live incidents it lacks', () => {
    const fresh = incident('z', '2026-01-01T11:00:00.000Z', 'crash');
    expect(mergeIncidents(LIST, [fresh, LIST[0]!]).map((i) => i.id)).toEqual(['z', 'c', 'b', 'a']);
    expect(mergeIncidents(LIST, [])).toEqual(LIST);
  });

  it('names an export file after the time and kind', () => {
    expect(incidentFileName({ at: '2026-01-01T10:00:00.000Z', kind: 'crash' })).toBe(
      'incident-2026-01-01T10-00-00.000Z-crash.json',
    );
    expect(incidentFileName({ at: '2026-01-01T10:00:00+02:00', kind: 'port-in-use' })).toBe(
      'incident-2026-01-01T10-00-00+02-00-port-in-use.json',
    );
  });
});
