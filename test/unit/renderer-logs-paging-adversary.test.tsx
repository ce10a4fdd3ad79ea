// @vitest-environment happy-dom
// (The pragma: the unit project compiles test files without the renderer's JSX setting.)
// The Logs view's paged loading against a server that behaves as the ring does: lines
// dropped between the first page and the next, answers shorter than asked (bounded in size).
import { MantineProvider } from '@mantine/core';
import { act, cleanup, fireEvent, render, renderHook, screen, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type {
  Channel,
  ChannelArgs,
  ChannelResult,
  EventName,
  EventPayload,
  SupervisorApi,
} from '../../src/shared/contract';
import type { LogLine } from '../../src/shared/status';
import { ApiProvider } from '../../src/renderer/src/api';
import { useLogTail, type LogTailOptions } from '../../src/renderer/src/hooks/use-log-tail';
import { LOG_LINE_CAP } from '../../src/renderer/src/logs/log-buffer';
import { ALL_SERVICES, LogsPage } from '../../src/renderer/src/pages/logs-page';

const T0 = Date.UTC(2026, 0, 1);

/**
 * One service's log as the supervisor's ring keeps it (test/unit/log-ring-page.test.ts and
 * logs-paging-adversary.test.ts check the ring itself): `seq` from 0, the last `capacity`
 * lines held, a page the newest `limit` below `before`, at most `answerLines` an answer
 * (its size bound), none when `before` is at or below the oldest held.
 */
class Ring {
  lines: LogLine[] = [];
  next = 0;

  constructor(
    readonly service: string,
    readonly capacity: number,
    readonly answerLines = Infinity,
  ) {}

  /** Appends `count` lines `<service> <seq>`, a millisecond apart; answers them. */
  add(count: number): LogLine[] {
    const added = Array.from({ length: count }, () => {
      const seq = this.next++;
      return { seq, ts: new Date(T0 + seq).toISOString(), stream: 'stdout' as const, text: `${this.service} ${seq}` };
    });
    this.lines = this.lines.concat(added).slice(-this.capacity);
    return added.map((l) => ({ ...l, service: this.service }));
  }

  tail(limit = this.lines.length, before = this.next): LogLine[] {
    const first = this.lines[0]?.seq ?? this.next;
    const end = Math.max(first, Math.min(before, this.next)) - first;
    const begin = Math.max(0, end - Math.min(limit, this.answerLines));
    return this.lines.slice(begin, end).map((l) => ({ ...l, service: this.service }));
  }
}

class RingApi implements SupervisorApi {
  calls: { limit?: number; before?: number; service?: string }[] = [];
  private readonly listeners = new Set<(line: LogLine) => void>();

  constructor(
    readonly rings: Record<string, Ring>,
    readonly primary: string,
  ) {}

  invoke<C extends Channel>(channel: C, ...args: ChannelArgs<C>): Promise<ChannelResult<C>> {
    if (channel !== 'logs:tail') throw new Error(`unexpected ${channel}`);
    const options = (args[0] ?? {}) as { limit?: number; before?: number; service?: string };
    this.calls.push(options);
    const ring = this.rings[options.service ?? this.primary];
    if (!ring) return Promise.reject(new Error(`UNKNOWN_SERVICE: no service ${options.service}`));
    return Promise.resolve(ring.tail(options.limit, options.before) as ChannelResult<C>);
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    if (event !== 'backend:log') return () => {};
    const l = listener as (line: LogLine) => void;
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** `count` new lines of `service`: held, and sent live. */
  add(service: string, count: number): void {
    for (const line of this.rings[service]!.add(count)) for (const listener of this.listeners) listener(line);
  }
}

function renderTail(api: RingApi, options: LogTailOptions) {
  const wrapper = ({ children }: { children: ReactNode }) => <ApiProvider api={api}>{children}</ApiProvider>;
  return renderHook(() => useLogTail({ flushMs: 1, primary: api.primary, ...options }), { wrapper });
}

const seqs = (lines: readonly LogLine[]): number[] => lines.map((l) => l.seq);
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

afterEach(cleanup);

describe('useLogTail pages against a ring that drops lines or bounds its answers', () => {
  it('lines dropped between the first page and the next: at the start, with the count dropped, no silent gap', async () => {
    const api = new RingApi({ api: new Ring('api', 5_000) }, 'api');
    api.rings.api!.add(10_000);
    const { result } = renderTail(api, {});
    await waitFor(() => expect(result.current.lines).toHaveLength(1_000));
    expect(result.current.atStart).toBe(false);
    // While the user reads, 10,000 more lines: the ring now holds 15,000..19,999 only.
    act(() => api.add('api', 10_000));
    await waitFor(() => expect(result.current.lines.at(-1)?.seq).toBe(19_999));
    await act(() => result.current.loadOlder());
    expect(api.calls.at(-1)).toMatchObject({ before: 9_000 });
    expect(result.current.atStart).toBe(true);
    expect(result.current.dropped).toBe(9_000);
    expect(seqs(result.current.lines)).toEqual(range(9_000, 20_000));
  });

  it('answers shorter than asked (bounded) are not the start: the tail and Load all page on to the first line', async () => {
    const api = new RingApi({ api: new Ring('api', 10_000, 45) }, 'api');
    api.rings.api!.add(3_000);
    const { result } = renderTail(api, {});
    await waitFor(() => expect(result.current.lines).toHaveLength(45));
    expect(result.current.atStart).toBe(false);
    await act(() => result.current.loadOlder(LOG_LINE_CAP));
    expect(result.current.atStart).toBe(true);
    expect(result.current.dropped).toBe(0);
    expect(seqs(result.current.lines)).toEqual(range(0, 3_000));
  });

  it('all services merged: bounded answers and a ring that dropped lines; every held line once, the dropped ones counted', async () => {
    const api = new RingApi({ api: new Ring('api', 10_000, 45), db: new Ring('db', 1_000, 45) }, 'api');
    api.rings.api!.add(1_200);
    api.rings.db!.add(4_000);
    const { result } = renderTail(api, { merge: ['api', 'db'] });
    await waitFor(() => expect(result.current.loading).toBe(false));
    for (let i = 0; i < 200 && !result.current.atStart; i++) await act(() => result.current.loadOlder(LOG_LINE_CAP));
    expect(result.current.atStart).toBe(true);
    const own = (service: string): number[] =>
      result.current.lines.filter((l) => l.service === service).map((l) => Number(l.text.split(' ')[1]));
    expect(own('api')).toEqual(range(0, 1_200));
    expect(own('db')).toEqual(range(3_000, 4_000));
    expect(result.current.dropped).toBe(3_000);
  });
});

describe('LogsPage start marker', () => {
  it('says how many older lines the ring dropped instead of "Beginning of the buffer"', async () => {
    const api = new RingApi({ backend: new Ring('backend', 5_000) }, 'backend');
    api.rings.backend!.add(12_000);
    window.location.hash = '#/logs';
    render(
      <MantineProvider>
        <ApiProvider api={api}>
          <LogsPage />
        </ApiProvider>
      </MantineProvider>,
    );
    // Load all (again while a page the list's top asked for runs: a click then does nothing).
    await waitFor(
      () => {
        const loadAll = screen.queryByTestId('log-load-all');
        if (loadAll) fireEvent.click(loadAll);
        expect(screen.getByTestId('log-count').textContent).toBe('5,000 lines');
      },
      { timeout: 30_000, interval: 100 },
    );
    await waitFor(() => expect(screen.getByTestId('log-start').textContent).toMatch(/7,000 older lines were dropped/));
    expect(screen.getByTestId('log-start').textContent).not.toMatch(/Beginning of the buffer/);
  }, 60_000);
});

describe('LogsPage, all services merged, while a reload changes the stack', () => {
  it("a service added to the stack has its lines shown, one removed is no longer paged (no 'Cannot load' error)", async () => {
    const api = new RingApi(
      { api: new Ring('api', 1_000), db: new Ring('db', 1_000), worker: new Ring('worker', 1_000) },
      'api',
    );
    api.rings.api!.add(10);
    api.rings.db!.add(10);
    const page = (names: string[]) => (
      <MantineProvider>
        <ApiProvider api={api}>
          <LogsPage services={names.map((name) => ({ name, primary: name === 'api' }))} />
        </ApiProvider>
      </MantineProvider>
    );
    window.location.hash = '#/logs';
    const view = render(page(['api', 'db']));
    fireEvent.change(await screen.findByTestId('log-service'), { target: { value: ALL_SERVICES } });
    await waitFor(() => expect(screen.getByTestId('log-count').textContent).toBe('20 lines'));
    // A reload adds worker and removes db: the services list follows (services:list polls).
    delete api.rings.db;
    view.rerender(page(['api', 'worker']));
    act(() => api.add('worker', 5));
    await waitFor(() => expect(screen.getByTestId('log-count').textContent).toBe('15 lines'));
    expect(screen.queryByText('Cannot load the log tail')).toBeNull();
  });
});
