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
import { useLogTail } from '../../src/renderer/src/hooks/use-log-tail';

const line = (seq: number, stream: LogLine['stream'] = 'stdout'): LogLine => ({
  seq,
  ts: '2026-01-01T00:00:00Z',
  stream,
  text: `line ${seq}`,
});

/** A fake API whose `logs:tail` answers when the test says so. */
class FakeLogsApi implements SupervisorApi {
  tailArgs: unknown[] = [];
  private resolveTail: ((lines: LogLine[]) => void) | undefined;
  private logListeners = new Set<(line: LogLine) => void>();

  invoke<C extends Channel>(channel: C, ...args: ChannelArgs<C>): Promise<ChannelResult<C>> {
    if (channel !== 'logs:tail') throw new Error(`unexpected ${channel}`);
    this.tailArgs.push(args[0]);
    return new Promise((resolve) => {
      this.resolveTail = resolve as (lines: LogLine[]) => void;
    });
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    if (event !== 'backend:log') return () => {};
    const l = listener as (line: LogLine) => void;
    this.logListeners.add(l);
    return () => this.logListeners.delete(l);
  }

  answerTail(lines: LogLine[]): void {
    this.resolveTail?.(lines);
  }

  push(...lines: LogLine[]): void {
    for (const l of lines) for (const listener of this.logListeners) listener(l);
  }
}

afterEach(cleanup);

describe('useLogTail', () => {
  it('loads the tail, then appends live lines once, in order, within the cap', async () => {
    const api = new FakeLogsApi();
    const wrapper = ({ children }: { children: ReactNode }) => <ApiProvider api={api}>{children}</ApiProvider>;
    const { result } = renderHook(() => useLogTail({ limit: 50, cap: 6, flushMs: 1 }), { wrapper });
    expect(result.current.loading).toBe(true);
    expect(api.tailArgs).toEqual([{ limit: 50 }]);

    // Lines that arrive while the tail loads wait for it; those the tail holds are not doubled.
    act(() => api.push(line(3), line(4)));
    await act(async () => api.answerTail([line(1), line(2), line(3)]));
    await waitFor(() => expect(result.current.lines.map((l) => l.seq)).toEqual([1, 2, 3, 4]));
    expect(result.current.loading).toBe(false);

    act(() => api.push(line(4), line(5, 'stderr'), line(6), line(7), line(8)));
    await waitFor(() => expect(result.current.lines.map((l) => l.seq)).toEqual([3, 4, 5, 6, 7, 8]));
    expect(result.current.lines[2]?.stream).toBe('stderr');
  });
});
