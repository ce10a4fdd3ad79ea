// @vitest-environment happy-dom
// (The pragma: the unit project compiles test files without the renderer's JSX setting.)
import { MantineProvider } from '@mantine/core';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type {
  Channel,
  ChannelArgs,
  ChannelResult,
  EventName,
  EventPayload,
  SupervisorApi,
} from '../../src/shared/contract';
import type { Incident } from '../../src/shared/incident';
import type { LogLine } from '../../src/shared/status';
import { ApiProvider } from '../../src/renderer/src/api';
import { IncidentCard } from '../../src/renderer/src/components/incident-card';
import { LOG_ROW_HEIGHT } from '../../src/renderer/src/components/log-view';
import { formatLogFile } from '../../src/renderer/src/logs/log-save';
import { LogsPage } from '../../src/renderer/src/pages/logs-page';

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);
const STREAMS: LogLine['stream'][] = ['stdout', 'stdout', 'stderr', 'supervisor'];

/** Line `seq`: one a second from T0; every 4th on stderr, every 4th (offset 3) from the supervisor. */
function logLine(seq: number): LogLine {
  const stream = STREAMS[seq % 4]!;
  const text = stream === 'stdout' && seq % 10 === 0 ? `WARN slow request ${seq}` : `${stream} line ${seq}`;
  return { seq, ts: new Date(T0 + seq * 1000).toISOString(), stream, text };
}
const TAIL = Array.from({ length: 500 }, (_, i) => logLine(i));

class FakeLogsApi implements SupervisorApi {
  tailArgs: unknown[] = [];
  private logListeners = new Set<(line: LogLine) => void>();

  invoke<C extends Channel>(channel: C, ...args: ChannelArgs<C>): Promise<ChannelResult<C>> {
    if (channel !== 'logs:tail') throw new Error(`unexpected ${channel}`);
    this.tailArgs.push(args[0]);
    return Promise.resolve(TAIL as ChannelResult<C>);
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    if (event !== 'backend:log') return () => {};
    const l = listener as (line: LogLine) => void;
    this.logListeners.add(l);
    return () => this.logListeners.delete(l);
  }

  push(...lines: LogLine[]): void {
    for (const l of lines) for (const listener of this.logListeners) listener(l);
  }
}

// happy-dom has no layout: give the list a 360 px viewport, a scroll height from its content
// (the virtualizer's sizer), rows their one-line height, and scrolling that clamps and fires
// `scroll` as a browser does.
const descriptors: [string, PropertyDescriptor | undefined][] = [];
const scrollTops = new WeakMap<HTMLElement, number>();
const isList = (element: HTMLElement): boolean => element.dataset.testid === 'log-view';
const contentHeight = (element: HTMLElement): number =>
  Number.parseFloat((element.firstElementChild as HTMLElement | null)?.style.height ?? '') || 0;
beforeAll(() => {
  for (const name of ['clientHeight', 'offsetHeight', 'clientWidth', 'scrollHeight', 'scrollTop']) {
    descriptors.push([name, Object.getOwnPropertyDescriptor(HTMLElement.prototype, name)]);
  }
  Object.defineProperty(HTMLElement.prototype, 'scrollHeight', {
    configurable: true,
    get(this: HTMLElement) {
      return isList(this) ? Math.max(contentHeight(this), 360) : 0;
    },
  });
  Object.defineProperty(HTMLElement.prototype, 'scrollTop', {
    configurable: true,
    get(this: HTMLElement) {
      return scrollTops.get(this) ?? 0;
    },
    set(this: HTMLElement, value: number) {
      const max = isList(this) ? Math.max(contentHeight(this) - 360, 0) : 0;
      const top = Math.min(Math.max(Math.round(value), 0), max);
      if (top === (scrollTops.get(this) ?? 0)) return;
      scrollTops.set(this, top);
      setTimeout(() => this.dispatchEvent(new Event('scroll')));
    },
  });
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
    configurable: true,
    get(this: HTMLElement) {
      return this.dataset.testid === 'log-view' ? 360 : 0;
    },
  });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 800 });
  Object.defineProperty(HTMLElement.prototype, 'offsetHeight', {
    configurable: true,
    get(this: HTMLElement) {
      return this.dataset.testid === 'log-line' ? LOG_ROW_HEIGHT : 0;
    },
  });
});
afterAll(() => {
  for (const [name, descriptor] of descriptors) {
    if (descriptor) Object.defineProperty(HTMLElement.prototype, name, descriptor);
    else delete (HTMLElement.prototype as unknown as Record<string, unknown>)[name];
  }
});

beforeEach(() => {
  window.location.hash = '#/logs';
});
afterEach(cleanup);

function renderPage(api = new FakeLogsApi()) {
  render(
    <MantineProvider>
      <ApiProvider api={api}>
        <LogsPage />
      </ApiProvider>
    </MantineProvider>,
  );
  return api;
}

const rows = (): HTMLElement[] => screen.queryAllByTestId('log-line');
const rowSeqs = (): number[] => rows().map((row) => Number(row.dataset.seq));
const following = (): string | null => screen.getByTestId('log-follow').getAttribute('aria-pressed');

describe('LogsPage', () => {
  it('loads a 1,000-line tail and renders only the rows in view, following the end', async () => {
    const api = renderPage();
    await waitFor(() => expect(screen.getByTestId('log-count').textContent).toBe('500 lines'));
    expect(api.tailArgs).toEqual([{ limit: 1_000 }]);
    // 500 of 1,000: the server holds no more, and the list says so above its first line.
    expect(screen.getByTestId('log-start').textContent).toMatch(/Beginning of the buffer/);
    await waitFor(() => expect(rowSeqs()).toContain(499));
    expect(rows().length).toBeGreaterThan(5);
    expect(rows().length).toBeLessThan(100);
    expect(following()).toBe('true');
    expect(screen.queryByTestId('log-jump-newest')).toBeNull();
  });

  it('filters by stream and by level', async () => {
    renderPage();
    await waitFor(() => expect(rowSeqs()).toContain(499));
    fireEvent.click(screen.getByTestId('log-filter-stdout'));
    await waitFor(() => expect(rows().every((row) => row.dataset.stream !== 'stdout')).toBe(true));
    expect(rows().length).toBeGreaterThan(0);
    expect(screen.getByTestId('log-count').textContent).toBe('250 of 500 lines');
    expect(screen.getByTestId('log-filter-stdout').getAttribute('aria-pressed')).toBe('false');
    fireEvent.click(screen.getByTestId('log-filter-stdout'));

    // warn and above: the 125 stderr lines (no level: error) and the 25 `WARN` stdout lines.
    fireEvent.change(screen.getByTestId('log-level'), { target: { value: 'warn' } });
    await waitFor(() => expect(screen.getByTestId('log-count').textContent).toBe('150 of 500 lines'));
    expect(rows().every((row) => row.dataset.level === 'error' || row.dataset.level === 'warn')).toBe(true);
    fireEvent.change(screen.getByTestId('log-level'), { target: { value: 'error' } });
    await waitFor(() => expect(rows().every((row) => row.dataset.stream === 'stderr')).toBe(true));
  });

  it('counts and highlights search matches; Enter goes to the next, Shift+Enter the previous', async () => {
    renderPage();
    await waitFor(() => expect(rowSeqs()).toContain(499));
    const input = screen.getByTestId('log-search');
    fireEvent.change(input, { target: { value: 'STDERR LINE 49' } });
    // stderr lines are 2, 6, 10, …: among 49 and 490..499 those are 490, 494 and 498.
    await waitFor(() => expect(screen.getByTestId('log-search-count').textContent).toBe('3 matches'));
    const marks = (): string[] => Array.from(document.querySelectorAll('mark')).map((mark) => mark.textContent ?? '');
    expect(marks()).toEqual(['stderr line 49', 'stderr line 49', 'stderr line 49']);

    fireEvent.keyDown(input, { key: 'Enter' });
    await waitFor(() => expect(screen.getByTestId('log-search-position').textContent).toContain('1'));
    expect(following()).toBe('false');
    const current = (): string | undefined =>
      (document.querySelector('mark[data-current="true"]')?.closest('[data-testid="log-line"]') as HTMLElement | null)
        ?.dataset.seq;
    await waitFor(() => expect(current()).toBe('490'));
    fireEvent.keyDown(input, { key: 'Enter' });
    await waitFor(() => expect(current()).toBe('494'));
    fireEvent.keyDown(input, { key: 'Enter', shiftKey: true });
    await waitFor(() => expect(current()).toBe('490'));
    fireEvent.keyDown(input, { key: 'Enter', shiftKey: true });
    await waitFor(() => expect(current()).toBe('498'));

    fireEvent.change(input, { target: { value: 'no such text' } });
    await waitFor(() => expect(screen.getByTestId('log-search-count').textContent).toBe('0 matches'));
    expect(document.querySelectorAll('mark')).toHaveLength(0);
  });

  it('pauses, counts the new lines, and jumps back to the newest', async () => {
    const api = renderPage();
    await waitFor(() => expect(rowSeqs()).toContain(499));
    fireEvent.click(screen.getByTestId('log-follow'));
    expect(following()).toBe('false');
    act(() => api.push(logLine(500), logLine(501), logLine(502)));
    await waitFor(() => expect(screen.getByTestId('log-jump-newest').textContent).toBe('Jump to newest (3 new)'));
    fireEvent.click(screen.getByTestId('log-jump-newest'));
    expect(following()).toBe('true');
    expect(screen.queryByTestId('log-jump-newest')).toBeNull();
  });

  it('saves the lines shown as `<ts> <stream> <text>`', async () => {
    const blobs: Blob[] = [];
    const clicked: string[] = [];
    const create = vi.spyOn(URL, 'createObjectURL').mockImplementation((blob: Blob | MediaSource) => {
      blobs.push(blob as Blob);
      return 'blob:test/1';
    });
    const revoke = vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {});
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.download);
    });
    try {
      renderPage();
      await waitFor(() => expect(rowSeqs()).toContain(499));
      fireEvent.click(screen.getByTestId('log-filter-supervisor'));
      fireEvent.click(screen.getByTestId('log-save'));
      expect(clicked).toHaveLength(1);
      expect(clicked[0]).toMatch(/^logs-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z\.log$/);
      const text = await blobs[0]!.text();
      expect(text).toBe(formatLogFile(TAIL.filter((l) => l.stream !== 'supervisor')));
      expect(text.split('\n')[0]).toBe('2026-01-01T10:00:00.000Z stdout WARN slow request 0');
    } finally {
      create.mockRestore();
      revoke.mockRestore();
      click.mockRestore();
    }
  });

  it('opens at an incident time: pauses and marks the first line at or after it', async () => {
    window.location.hash = `#/logs/?at=${encodeURIComponent(new Date(T0 + 200_500).toISOString())}`;
    renderPage();
    await waitFor(() => expect(document.querySelector('[data-target="true"]')).not.toBeNull());
    expect((document.querySelector('[data-target="true"]') as HTMLElement).dataset.seq).toBe('201');
    expect(following()).toBe('false');
    expect(screen.queryAllByTestId('log-line').filter((row) => row.dataset.target === 'true')).toHaveLength(1);
  });
});

describe('LogsPage at a time older than the tail', () => {
  it('loads older pages back to that time, then marks the line', async () => {
    // The server holds 45,000 lines; the first tail (1,000) starts at line 44,000.
    const held = Array.from({ length: 45_000 }, (_, i) => logLine(i));
    const api = new FakeLogsApi();
    api.invoke = (<C extends Channel>(channel: C, ...args: ChannelArgs<C>): Promise<ChannelResult<C>> => {
      const { limit = held.length, before = held.length } = (args[0] ?? {}) as { limit?: number; before?: number };
      api.tailArgs.push(args[0]);
      return Promise.resolve(held.slice(Math.max(0, before - limit), before) as ChannelResult<C>);
    }) as FakeLogsApi['invoke'];
    window.location.hash = `#/logs/?at=${encodeURIComponent(new Date(T0 + 10_000_000).toISOString())}`;
    renderPage(api);
    await waitFor(() => expect(document.querySelector('[data-target="true"]')).not.toBeNull());
    expect(api.tailArgs).toEqual([
      { limit: 1_000 },
      { limit: 20_000, before: 44_000 },
      { limit: 20_000, before: 24_000 },
    ]);
    expect((document.querySelector('[data-target="true"]') as HTMLElement).dataset.seq).toBe('10000');
    expect(screen.getByTestId('log-count').textContent).toBe('41,000 lines');
    expect(screen.queryByTestId('log-target-note')).toBeNull();
  });

  it('says so when the lines of that time are gone', async () => {
    window.location.hash = `#/logs/?at=${encodeURIComponent(new Date(T0 - 60_000).toISOString())}`;
    const api = renderPage();
    await waitFor(() => expect(document.querySelector('[data-target="true"]')).not.toBeNull());
    expect(api.tailArgs).toEqual([{ limit: 1_000 }]);
    expect((document.querySelector('[data-target="true"]') as HTMLElement).dataset.seq).toBe('0');
    expect(screen.getByTestId('log-target-note').textContent).toMatch(/no longer held/);
  });
});

describe('IncidentCard', () => {
  it('links to the Logs page at the incident time', () => {
    const incident: Incident = {
      id: 'a',
      at: '2026-01-01T10:00:00.000Z',
      kind: 'crash',
      summary: 'crash of the backend',
      pid: 1,
      exit: { code: 1, signal: null },
      uptime_ms: 1000,
      action: 'none',
      logs: [],
      probes: [],
    };
    render(
      <MantineProvider>
        <IncidentCard incident={incident} now={T0} />
      </MantineProvider>,
    );
    const link = screen.getByTestId('incident-show-logs');
    expect(link.tagName).toBe('A');
    expect(link.getAttribute('href')).toBe('#/logs/?at=2026-01-01T10%3A00%3A00.000Z');
  });
});
