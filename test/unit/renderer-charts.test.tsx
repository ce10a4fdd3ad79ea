// @vitest-environment happy-dom
// (The pragma: the unit project compiles test files without the renderer's JSX setting.)
import { MantineProvider } from '@mantine/core';
import { QueryClientProvider } from '@tanstack/react-query';
import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ApiError,
  type Channel,
  type ChannelArgs,
  type ChannelResult,
  type EventName,
  type EventPayload,
  type SupervisorApi,
} from '../../src/shared/contract';
import type { BackendStatus, MetricsSample } from '../../src/shared/status';
import { ApiProvider } from '../../src/renderer/src/api';
import { createQueryClient } from '../../src/renderer/src/app';
import { MetricsCharts, MetricsChartsView } from '../../src/renderer/src/components/charts/metrics-charts';
import {
  formatMiB,
  hasValues,
  maxOf,
  toMetricsPoints,
  yTicks,
  type MetricsPoint,
} from '../../src/renderer/src/components/charts/metrics-points';
import { METRICS_HISTORY_REFRESH_MS } from '../../src/renderer/src/hooks/use-metrics-history';
import { StatusPage } from '../../src/renderer/src/pages/status-page';

const MIB = 1024 * 1024;

function sample(at: string, fields: Partial<MetricsSample> = {}): MetricsSample {
  return {
    at,
    state: 'running',
    health_latency_ms: 12,
    healthy: true,
    rss_bytes: 48 * MIB,
    cpu_percent: 1.5,
    ...fields,
  };
}

const SAMPLES: MetricsSample[] = [
  sample('2026-01-01T10:00:00Z', { health_latency_ms: 12.4, rss_bytes: 48.25 * MIB }),
  sample('2026-01-01T10:00:10Z', { state: 'unhealthy', healthy: false, health_latency_ms: null }),
  sample('2026-01-01T10:00:20Z', { state: 'unhealthy', healthy: false, health_latency_ms: 503 }),
  sample('2026-01-01T10:00:30Z', { state: 'stopped', healthy: true, health_latency_ms: 9, rss_bytes: null }),
  sample('2026-01-01T10:00:40Z', { health_latency_ms: 7.5, rss_bytes: 50 * MIB }),
];

describe('toMetricsPoints', () => {
  it('keeps the order and shapes latency, failed probes and memory', () => {
    const points = toMetricsPoints(SAMPLES);
    expect(points.map((p) => p.at)).toEqual(SAMPLES.map((s) => s.at));
    expect(points.map(({ at: _at, ...rest }) => rest)).toEqual([
      { state: 'running', ok: true, latency_ms: 12.4, latency: 12.4, failed: null, memory: 48.3 },
      // A failed probe with no answer: a gap in the line, a red point on the baseline.
      { state: 'unhealthy', ok: false, latency_ms: null, latency: null, failed: 0, memory: 48 },
      // A failed probe that got an answer: the red point at its latency.
      { state: 'unhealthy', ok: false, latency_ms: 503, latency: null, failed: 503, memory: 48 },
      // Not probed while stopped: the sample's (stale) probe is not drawn; no process, no memory.
      { state: 'stopped', ok: null, latency_ms: null, latency: null, failed: null, memory: null },
      { state: 'running', ok: true, latency_ms: 7.5, latency: 7.5, failed: null, memory: 50 },
    ]);
  });

  it('gives nothing for no samples, and no probe before the first check', () => {
    expect(toMetricsPoints([])).toEqual([]);
    const [point] = toMetricsPoints([sample('2026-01-01T10:00:00Z', { healthy: null, health_latency_ms: null })]);
    expect(point).toMatchObject({ ok: null, latency: null, failed: null });
  });

  it('hasValues and formatMiB', () => {
    const points = toMetricsPoints(SAMPLES);
    expect(hasValues(points, 'failed')).toBe(true);
    expect(hasValues(toMetricsPoints([SAMPLES[3]!]), 'memory')).toBe(false);
    expect(formatMiB(48.3)).toBe('48.3 MiB');
    expect(formatMiB(1234.56)).toBe('1235 MiB');
  });

  it('maxOf and yTicks: three round ticks from 0 covering the data', () => {
    const points = toMetricsPoints(SAMPLES);
    expect(maxOf(points, ['latency'])).toBe(12.4);
    expect(maxOf(points, ['latency', 'failed'])).toBe(503);
    expect(maxOf([], ['memory'])).toBe(0);
    expect(yTicks(17)).toEqual([0, 10, 20]);
    expect(yTicks(20)).toEqual([0, 10, 20]);
    expect(yTicks(4.6)).toEqual([0, 2.5, 5]);
    expect(yTicks(0.3)).toEqual([0, 0.2, 0.4]);
    expect(yTicks(829)).toEqual([0, 500, 1000]);
    expect(yTicks(1024)).toEqual([0, 1000, 2000]);
    expect(yTicks(0)).toEqual([0, 0.5, 1]);
  });
});

/** A fake SupervisorApi answering `backend:status` and `metrics:history`. */
class FakeApi implements SupervisorApi {
  samples: MetricsSample[] = [];
  calls: Channel[] = [];
  status: BackendStatus = {
    status: 'running',
    pid: 31337,
    uptime_secs: 65,
    restart_count: 0,
    last_health_check: 'healthy',
    is_running: true,
    orchestrator_enabled: true,
    backend_url: 'http://127.0.0.1:3000',
    consecutive_failures: 0,
    last_health: { at: '2026-01-01T10:00:40Z', ok: true, latency_ms: 7.5, status_code: 200, error: null },
    last_exit: null,
    last_error: null,
    state_reason: 'health check passed',
    state_actor: 'health',
    state_since: '2026-01-01T09:59:00Z',
    next_restart_in_ms: null,
    health_failures: 0,
    startup: null,
  };

  async invoke<C extends Channel>(channel: C, ..._args: ChannelArgs<C>): Promise<ChannelResult<C>> {
    this.calls.push(channel);
    if (channel === 'metrics:history') return this.samples as ChannelResult<C>;
    if (channel === 'backend:status') return this.status as ChannelResult<C>;
    if (channel === 'incidents:list') return [] as ChannelResult<C>;
    throw new ApiError({ code: 'INTERNAL', message: `no fake answer for ${channel}` });
  }

  on<E extends EventName>(_event: E, _listener: (payload: EventPayload<E>) => void): () => void {
    return () => {};
  }
}

function renderWithApi(api: FakeApi, node: ReactNode) {
  return render(
    <MantineProvider>
      <QueryClientProvider client={createQueryClient()}>
        <ApiProvider api={api}>{node}</ApiProvider>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

function renderView(points: readonly MetricsPoint[] | undefined, error?: unknown) {
  return render(
    <MantineProvider>
      <MetricsChartsView points={points} error={error} />
    </MantineProvider>,
  );
}

// happy-dom lays nothing out: give recharts' ResponsiveContainer a size so the charts draw.
class SizedResizeObserver {
  constructor(private readonly callback: ResizeObserverCallback) {}
  observe(target: Element): void {
    const entry = { target, contentRect: { width: 480, height: 160 } } as unknown as ResizeObserverEntry;
    this.callback([entry], this as unknown as ResizeObserver);
  }
  unobserve(): void {}
  disconnect(): void {}
}

const realResizeObserver = globalThis.ResizeObserver;
beforeAll(() => {
  globalThis.ResizeObserver = SizedResizeObserver as unknown as typeof ResizeObserver;
});
afterAll(() => {
  globalThis.ResizeObserver = realResizeObserver;
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('MetricsChartsView', () => {
  it('says "Collecting samples…" in both charts while there are none', () => {
    renderView([]);
    for (const id of ['chart-latency', 'chart-memory']) {
      const card = screen.getByTestId(id);
      expect(card.dataset.state).toBe('empty');
      expect(within(card).getByText('Collecting samples…')).toBeTruthy();
      expect(card.querySelector('svg.recharts-surface')).toBeNull();
    }
  });

  it('shows a loader before the first answer and the error when it failed', () => {
    renderView(undefined);
    expect(screen.getByTestId('chart-latency').dataset.state).toBe('loading');
    cleanup();
    renderView(undefined, new ApiError({ code: 'INTERNAL', message: 'boom' }));
    expect(screen.getByTestId('chart-memory').dataset.state).toBe('error');
    expect(within(screen.getByTestId('chart-memory')).getByText('boom')).toBeTruthy();
  });

  it('draws both charts, failed probes as red points, with the latest figures', () => {
    renderView(toMetricsPoints(SAMPLES));
    const latency = screen.getByTestId('chart-latency');
    const memory = screen.getByTestId('chart-memory');
    expect(latency.dataset.state).toBe('ready');
    expect(latency.dataset.points).toBe('5');
    expect(screen.getByTestId('chart-latency-latest').textContent).toBe('7.5 ms');
    expect(screen.getByTestId('chart-memory-latest').textContent).toBe('50 MiB');
    expect(latency.querySelector('svg.recharts-surface')).not.toBeNull();
    expect(memory.querySelector('svg.recharts-surface')).not.toBeNull();
    // The two failed probes (samples 2 and 3) are red dots.
    const red = latency.querySelectorAll('circle[fill="var(--mantine-color-red-6)"]');
    expect(red.length).toBe(2);
  });

  it('says so when the last hour had no process to measure (e.g. remote mode)', () => {
    renderView(toMetricsPoints([sample('2026-01-01T10:00:00Z', { rss_bytes: null })]));
    expect(screen.getByTestId('chart-latency').dataset.state).toBe('ready');
    const memory = screen.getByTestId('chart-memory');
    expect(memory.dataset.state).toBe('no-values');
    expect(memory.textContent).toContain('No backend process measured in the last hour');
    expect(screen.queryByTestId('chart-memory-latest')).toBeNull();
  });

  it('heads with the newest sample: "no process" once the process is gone, not its old memory', () => {
    const gone = sample('2026-01-01T10:01:00Z', { state: 'crashed', rss_bytes: null, healthy: null });
    renderView(toMetricsPoints([...SAMPLES, gone]));
    expect(screen.getByTestId('chart-memory-latest').textContent).toBe('no process');
    expect(screen.getByTestId('chart-latency-latest').textContent).toBe('not probed');
  });

  it('shows "failed" as the latest latency after a failed probe', () => {
    renderView(toMetricsPoints(SAMPLES.slice(0, 2)));
    expect(screen.getByTestId('chart-latency-latest').textContent).toBe('failed');
  });
});

describe('MetricsCharts (live)', () => {
  it('fetches metrics:history and again every 10 s', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const api = new FakeApi();
    renderWithApi(api, <MetricsCharts />);
    await waitFor(() => expect(screen.getByTestId('chart-latency').dataset.state).toBe('empty'));
    expect(screen.getByTestId('chart-memory').textContent).toContain('Collecting samples…');

    api.samples = SAMPLES;
    await act(async () => {
      await vi.advanceTimersByTimeAsync(METRICS_HISTORY_REFRESH_MS);
    });
    await waitFor(() => expect(screen.getByTestId('chart-latency').dataset.points).toBe('5'));
    expect(api.calls.filter((c) => c === 'metrics:history').length).toBe(2);
    expect(METRICS_HISTORY_REFRESH_MS).toBe(10_000);
  });

  it('is on the Status page', async () => {
    const api = new FakeApi();
    api.samples = SAMPLES;
    renderWithApi(api, <StatusPage />);
    await screen.findByTestId('chart-latency');
    await waitFor(() => expect(screen.getByTestId('chart-memory').dataset.state).toBe('ready'));
    expect(screen.getByTestId('chart-latency-latest').textContent).toBe('7.5 ms');
  });

  it("heads the latency chart with the status's last probe, not an older sample's", async () => {
    const api = new FakeApi();
    api.samples = [...SAMPLES, sample('2026-01-01T10:00:50Z', { health_latency_ms: 2131 })];
    api.status = {
      ...api.status,
      last_health: { at: '2026-01-01T10:00:55Z', ok: true, latency_ms: 60, status_code: 200, error: null },
    };
    renderWithApi(api, <StatusPage />);
    await waitFor(() => expect(screen.getByTestId('chart-latency').dataset.points).toBe('6'));
    expect(screen.getByTestId('chart-latency-latest').textContent).toBe('60 ms');
    // And no memory headline of a process that is gone.
    cleanup();
    api.status = { ...api.status, status: 'crashed', pid: null, last_health: null, last_health_check: 'unknown' };
    renderWithApi(api, <StatusPage />);
    await waitFor(() => expect(screen.getByTestId('chart-memory-latest').textContent).toBe('no process'));
    expect(screen.getByTestId('chart-latency-latest').textContent).toBe('not probed');
  });
});
