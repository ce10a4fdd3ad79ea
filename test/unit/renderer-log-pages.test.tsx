// @vitest-environment happy-dom
// (The pragma: the unit project compiles test files without the renderer's JSX setting.)
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
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

const T0 = Date.UTC(2026, 0, 1);

/** A server holding each service's lines, answering `logs:tail` pages as the ring does. */
class PagedLogsApi implements SupervisorApi {
  calls: { limit?: number; before?: number; service?: string }[] = [];
  private listeners = new Set<(line: LogLine) => void>();

  constructor(readonly held: Record<string, LogLine[]>) {}

  invoke<C extends Channel>(channel: C, ...args: ChannelArgs<C>): Promise<ChannelResult<C>> {
    if (channel !== 'logs:tail') throw new Error(`unexpected ${channel}`);
    const options = (args[0] ?? {}) as { limit?: number; before?: number; service?: string };
    this.calls.push(options);
    const lines = this.held[options.service ?? 'api'] ?? [];
    const end = lines.findIndex((l) => l.seq >= (options.before ?? Infinity));
    const to = end === -1 ? lines.length : end;
    return Promise.resolve(lines.slice(Math.max(0, to - (options.limit ?? lines.length)), to) as ChannelResult<C>);
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    if (event !== 'backend:log') return () => {};
    const l = listener as (line: LogLine) => void;
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** A new line of `service` (held, and sent live). */
  push(service: string, line: LogLine): void {
    this.held[service]!.push(line);
    for (const listener of this.listeners) listener(line);
  }
}

const line = (service: string, seq: number, at: number): LogLine => ({
  seq,
  ts: new Date(T0 + at).toISOString(),
  stream: 'stdout',
  text: `${service} ${seq}`,
  service,
});

function renderTail(api: PagedLogsApi, options: LogTailOptions) {
  const wrapper = ({ children }: { children: ReactNode }) => <ApiProvider api={api}>{children}</ApiProvider>;
  return renderHook(() => useLogTail({ flushMs: 1, ...options }), { wrapper });
}

afterEach(cleanup);

/** `api` whose older pages (calls with `before`) each wait until their gate is opened, in call order. */
function gatedPages(api: PagedLogsApi): { open: (index: number) => void; asked: () => number } {
  const gates: { promise: Promise<void>; open: () => void }[] = [];
  const gate = (index: number) => {
    while (gates.length <= index) {
      let open: () => void = () => {};
      const promise = new Promise<void>((resolve) => (open = resolve));
      gates.push({ promise, open });
    }
    return gates[index]!;
  };
  let asked = 0;
  const invoke = api.invoke.bind(api);
  api.invoke = (async (channel: Channel, ...args: unknown[]) => {
    const options = (args[0] ?? {}) as { before?: number };
    if (options.before !== undefined) await gate(asked++).promise;
    return invoke(channel as 'logs:tail', ...(args as ChannelArgs<'logs:tail'>));
  }) as typeof api.invoke;
  return { open: (index) => gate(index).open(), asked: () => asked };
}

describe('useLogTail older pages', () => {
  it('pages back to the start of one service: every line once, in order, with live lines arriving between pages', async () => {
    const api = new PagedLogsApi({ api: Array.from({ length: 4_500 }, (_, i) => line('api', i, i)) });
    const { result } = renderTail(api, { limit: 100, pageLimit: 1_000, primary: 'api' });
    await waitFor(() => expect(result.current.lines).toHaveLength(100));
    expect(result.current.atStart).toBe(false);
    let seq = 4_500;
    while (!result.current.atStart) {
      act(() => api.push('api', line('api', seq, seq++)));
      await act(() => result.current.loadOlder());
    }
    await waitFor(() => expect(result.current.lines.at(-1)?.seq).toBe(seq - 1));
    expect(result.current.lines.map((l) => l.seq)).toEqual(Array.from({ length: seq }, (_, i) => i));
    expect(api.calls.slice(1).map((c) => c.before)).toEqual([4_400, 3_400, 2_400, 1_400, 400]);
    // At the start, nothing more is asked for.
    await act(() => result.current.loadOlder());
    expect(api.calls).toHaveLength(6);
  });

  it('stops at the cap: the page is cut to the room left, and no more is asked for', async () => {
    const api = new PagedLogsApi({ api: Array.from({ length: 500 }, (_, i) => line('api', i, i)) });
    const { result } = renderTail(api, { limit: 100, pageLimit: 1_000, cap: 250 });
    await waitFor(() => expect(result.current.lines).toHaveLength(100));
    await act(() => result.current.loadOlder());
    expect(api.calls[1]).toEqual({ limit: 150, before: 400 });
    expect(result.current.lines.map((l) => l.seq)).toEqual(Array.from({ length: 250 }, (_, i) => 250 + i));
    expect(result.current.atStart).toBe(false);
    await act(() => result.current.loadOlder());
    expect(api.calls).toHaveLength(2);
  });

  it('merges the pages of several services by time: each line once, none passed over, back to both starts', async () => {
    // db logs every second, api every 10 s: a page of each reaches back 10× further for api.
    const api = new PagedLogsApi({
      db: Array.from({ length: 300 }, (_, i) => line('db', i, 1_000_000 + i * 1_000)),
      api: Array.from({ length: 100 }, (_, i) => line('api', i, i * 10_000)),
    });
    const { result } = renderTail(api, { limit: 20, pageLimit: 20, primary: 'api', merge: ['db', 'api'] });
    await waitFor(() => expect(result.current.lines.length).toBeGreaterThan(0));
    const check = (): void => {
      const shown = result.current.lines;
      const times = shown.map((l) => Date.parse(l.ts));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(new Set(shown.map((l) => l.seq)).size).toBe(shown.length);
      // Each service's lines shown are its newest ones, with no gap.
      for (const service of ['db', 'api']) {
        const own = shown.filter((l) => l.service === service).map((l) => Number(l.text.split(' ')[1]));
        const held = api.held[service]!.length;
        expect(own).toEqual(Array.from({ length: own.length }, (_, i) => held - own.length + i));
      }
    };
    check();
    for (let pages = 0; !result.current.atStart && pages < 100; pages++) {
      await act(() => result.current.loadOlder());
      check();
    }
    expect(result.current.atStart).toBe(true);
    expect(result.current.lines).toHaveLength(400);
  });
});

describe('useLogTail: a larger ask while a page loads', () => {
  it('"Load all" pressed while a scrolled-to page is loading goes on to the start, not lost', async () => {
    const api = new PagedLogsApi({ api: Array.from({ length: 5_000 }, (_, i) => line('api', i, i)) });
    // The first older page waits until released (a slow answer under load); the later ones do not.
    const pages = gatedPages(api);
    for (let i = 1; i < 10; i++) pages.open(i);
    const { result } = renderTail(api, { limit: 1_000, pageLimit: 2_000 });
    await waitFor(() => expect(result.current.lines).toHaveLength(1_000));
    let page!: Promise<void>;
    act(() => {
      page = result.current.loadOlder();
    });
    await waitFor(() => expect(result.current.loadingOlder).toBe(true));
    await act(() => result.current.loadOlder(100_000));
    pages.open(0);
    await act(() => page);
    expect(result.current.atStart).toBe(true);
    expect(result.current.lines.map((l) => l.seq)).toEqual(Array.from({ length: 5_000 }, (_, i) => i));
  });
});

describe('useLogTail: a reconnect while an older page loads', () => {
  it('"Load all" after the reconnect starts its own load (the old one, abandoned, does not swallow it)', async () => {
    const api = new PagedLogsApi({ api: Array.from({ length: 5_000 }, (_, i) => line('api', i, i)) });
    const pages = gatedPages(api);
    const { result } = renderTail(api, { limit: 1_000, pageLimit: 2_000 });
    await waitFor(() => expect(result.current.lines).toHaveLength(1_000));
    let abandoned!: Promise<void>;
    act(() => {
      abandoned = result.current.loadOlder();
    });
    await waitFor(() => expect(pages.asked()).toBe(1));
    // The connection comes back: the tail is loaded again while the page is still on its way.
    act(() => result.current.reload());
    await waitFor(() => expect(result.current.loading).toBe(false));
    for (let i = 1; i < 10; i++) pages.open(i);
    await act(() => result.current.loadOlder(100_000));
    pages.open(0);
    await act(() => abandoned);
    expect(result.current.atStart).toBe(true);
    expect(result.current.lines.map((l) => l.seq)).toEqual(Array.from({ length: 5_000 }, (_, i) => i));
    expect(result.current.loadingOlder).toBe(false);
  });

  it('the abandoned load ending does not end the new one: loadingOlder stays on, a larger ask extends the new one', async () => {
    const api = new PagedLogsApi({ api: Array.from({ length: 5_000 }, (_, i) => line('api', i, i)) });
    const pages = gatedPages(api);
    const { result } = renderTail(api, { limit: 1_000, pageLimit: 500 });
    await waitFor(() => expect(result.current.lines).toHaveLength(1_000));
    let abandoned!: Promise<void>;
    act(() => {
      abandoned = result.current.loadOlder();
    });
    await waitFor(() => expect(pages.asked()).toBe(1));
    act(() => result.current.reload());
    await waitFor(() => expect(result.current.loading).toBe(false));
    let current!: Promise<void>;
    act(() => {
      current = result.current.loadOlder();
    });
    await waitFor(() => expect(pages.asked()).toBe(2));
    pages.open(0);
    await act(() => abandoned);
    // The new load (page 1) still waits for its answer.
    expect(result.current.loadingOlder).toBe(true);
    await act(() => result.current.loadOlder(100_000));
    for (let i = 1; i < 20; i++) pages.open(i);
    await act(() => current);
    expect(result.current.atStart).toBe(true);
    expect(result.current.lines).toHaveLength(5_000);
    expect(result.current.loadingOlder).toBe(false);
  });
});
