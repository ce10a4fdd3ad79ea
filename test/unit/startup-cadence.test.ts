import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Clock } from '../../src/main/core/clock';
import type { HealthProbe, ProbeOutcome } from '../../src/main/core/health-probe';
import {
  awaitHealthy,
  startupProbeMaxMs,
  STARTUP_PROBE_LOOPBACK_MAX_MS,
  STARTUP_PROBE_REMOTE_MAX_MS,
} from '../../src/main/core/startup-wait';

const clock: Clock = {
  monotonicMs: () => Date.now(),
  wallNow: () => new Date(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** A probe refused until `readyAt` (fake wall ms), recording when each probe was made. */
function scriptedProbe(readyAt: number): HealthProbe & { times: number[] } {
  const times: number[] = [];
  return {
    times,
    probe: async (): Promise<ProbeOutcome> => {
      times.push(Date.now());
      const ok = Date.now() >= readyAt;
      return {
        at: new Date().toISOString(),
        ok,
        latency_ms: ok ? 1 : null,
        status_code: ok ? 200 : null,
        error: ok ? null : 'connection refused',
        failure: ok ? null : 'unreachable',
        body: null,
      };
    },
    close: async () => {},
  };
}

/** Runs a start whose backend gets ready at `readyAt`; resolves with the probe times. */
async function start(url: string, readyAt: number): Promise<{ times: number[]; healthyAt: number }> {
  const t0 = Date.now();
  const probe = scriptedProbe(t0 + readyAt);
  const waiting = awaitHealthy({
    clock,
    probe,
    url,
    startedAtMono: t0,
    startupTimeoutMs: 30_000,
    healthCheckTimeoutMs: 5_000,
    exited: new Promise(() => {}),
    signal: new AbortController().signal,
    onFailedProbe: () => {},
  });
  await vi.advanceTimersByTimeAsync(readyAt + 2_000);
  const outcome = await waiting;
  expect(outcome.kind).toBe('healthy');
  return { times: probe.times.map((t) => t - t0), healthyAt: (probe.times.at(-1) as number) - t0 };
}

/** Largest pause between consecutive probes made after `from` ms. */
function largestGapAfter(times: number[], from: number): number {
  let gap = 0;
  for (let i = 1; i < times.length; i++) {
    if ((times[i - 1] as number) >= from) gap = Math.max(gap, (times[i] as number) - (times[i - 1] as number));
  }
  return gap;
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('startup probe cadence (fake clock)', () => {
  it('probes a loopback URL at most 25 ms apart for the whole start, however late it gets ready', async () => {
    for (const host of ['127.0.0.1', 'localhost', '[::1]', '127.8.9.10']) {
      const { times, healthyAt } = await start(`http://${host}:3000/health`, 20_000);
      expect(times[1]).toBe(2); // the first phase still probes every 2 ms
      expect(largestGapAfter(times, 0)).toBe(STARTUP_PROBE_LOOPBACK_MAX_MS);
      expect(healthyAt - 20_000).toBeLessThanOrEqual(STARTUP_PROBE_LOOPBACK_MAX_MS);
    }
  });

  it('lets the interval grow to 1 s for a health URL on another host', async () => {
    const { times, healthyAt } = await start('http://10.1.2.3:3000/health', 20_000);
    expect(times[1]).toBe(2);
    expect(largestGapAfter(times, 0)).toBe(STARTUP_PROBE_REMOTE_MAX_MS);
    expect(healthyAt - 20_000).toBeLessThanOrEqual(STARTUP_PROBE_REMOTE_MAX_MS);
  });

  it('tells loopback hosts from others', () => {
    expect(startupProbeMaxMs('http://127.0.0.1:8080/health')).toBe(STARTUP_PROBE_LOOPBACK_MAX_MS);
    expect(startupProbeMaxMs('https://localhost/health')).toBe(STARTUP_PROBE_LOOPBACK_MAX_MS);
    expect(startupProbeMaxMs('http://[::1]:8080/health')).toBe(STARTUP_PROBE_LOOPBACK_MAX_MS);
    expect(startupProbeMaxMs('http://128.0.0.1:8080/health')).toBe(STARTUP_PROBE_REMOTE_MAX_MS);
    expect(startupProbeMaxMs('http://api.example.com/health')).toBe(STARTUP_PROBE_REMOTE_MAX_MS);
    expect(startupProbeMaxMs('http://localhost.example.com/health')).toBe(STARTUP_PROBE_REMOTE_MAX_MS);
  });
});
