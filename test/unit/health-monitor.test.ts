/**
 * HealthMonitor on a manual clock and a scripted probe: a failure is confirmed by
 * threshold − 1 re-probes, an outage already confirmed gets no re-probes, a recovery is
 * told, a `cannot-probe` spell is no failure and takes `last_error` over while it lasts,
 * and the success rate covers the last 100 probes.
 */
import { describe, expect, it } from 'vitest';
import type { HealthCheckResult } from '../../src/shared/status';
import type { Clock } from '../../src/main/core/clock';
import type { ProbeOutcome } from '../../src/main/core/health-probe';
import { HealthMonitor, type HealthMonitorHost } from '../../src/main/core/health-monitor';
import { LogStore } from '../../src/main/core/log-store';

/** A clock whose timers fire only when the test advances it. */
class ManualClock implements Clock {
  now = 0;
  private timers: { due: number; fn: () => void; id: number }[] = [];
  private nextId = 0;
  monotonicMs = (): number => this.now;
  wallNow = (): Date => new Date(this.now);
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = this.nextId++;
    this.timers.push({ due: this.now + ms, fn, id });
    return id;
  };
  clearTimeout = (id: unknown): void => {
    this.timers = this.timers.filter((t) => t.id !== id);
  };
  get pending(): number {
    return this.timers.length;
  }
  /** Fires the next timer (moving time to it), then lets the promises it started settle. */
  async fireNext(): Promise<number> {
    this.timers.sort((a, b) => a.due - b.due);
    const t = this.timers.shift();
    if (!t) throw new Error('no timer pending');
    this.now = t.due;
    t.fn();
    for (let i = 0; i < 20; i++) await Promise.resolve();
    return t.due;
  }
}

function outcome(ok: boolean, failure: ProbeOutcome['failure'] = ok ? undefined : 'unreachable'): ProbeOutcome {
  return {
    at: 'now',
    ok,
    latency_ms: 1,
    status_code: ok ? 200 : null,
    error: ok ? null : `bad (${failure})`,
    failure,
    body: null,
  };
}

const settings = { intervalMs: 1_000, timeoutMs: 500, failureThreshold: 3, confirmDelayMs: 100 };

function setup(script: ProbeOutcome[]) {
  const clock = new ManualClock();
  const logs = new LogStore(100);
  const events: string[] = [];
  const probed: HealthCheckResult[] = [];
  let unhealthy = false;
  let lastError: string | null = 'earlier error';
  const host: HealthMonitorHost = {
    isCurrent: (g) => g === 1,
    isUnhealthy: () => unhealthy,
    recovered: () => {
      events.push('recovered');
      unhealthy = false;
    },
    failed: (g, why) => {
      events.push(`failed: ${why}`);
      unhealthy = true;
      monitor.schedule(g);
    },
    probed: (p) => void probed.push(p),
    getLastError: () => lastError,
    setLastError: (e) => void (lastError = e),
  };
  const targets: string[] = [];
  const prober = {
    probe: async (target: string, timeoutMs: number) => {
      targets.push(`${target}@${timeoutMs}`);
      const next = script.shift();
      if (!next) throw new Error('script ran out');
      return next;
    },
    close: async () => undefined,
  };
  const monitor = new HealthMonitor(clock, prober, 'http://127.0.0.1:1/health', settings, logs, host);
  return { clock, logs, events, probed, monitor, targets, lastError: () => lastError };
}

describe('HealthMonitor', () => {
  it('confirms a failure with threshold − 1 re-probes, then probes once per interval while unhealthy', async () => {
    const t = setup([outcome(false), outcome(false), outcome(false), outcome(false), outcome(true)]);
    t.monitor.schedule(1);
    expect(await t.clock.fireNext()).toBe(1_000);
    expect(await t.clock.fireNext()).toBe(1_100);
    expect(await t.clock.fireNext()).toBe(1_200);
    expect(t.events).toEqual(['failed: health check failed 3 times in a row (bad (unreachable))']);
    expect(t.monitor.failures).toBe(3);
    expect(t.logs.tail().map((l) => l.text)).toEqual([
      'health probe failed (bad (unreachable)); confirming (1/3)',
      'health probe failed (bad (unreachable)); confirming (2/3)',
    ]);
    // Unhealthy: one probe, no confirming re-probes.
    expect(await t.clock.fireNext()).toBe(2_200);
    expect(t.events).toHaveLength(2);
    expect(t.events[1]).toBe('failed: health check failed 1 time in a row (bad (unreachable))');
    expect(await t.clock.fireNext()).toBe(3_200);
    expect(t.events[2]).toBe('recovered');
    expect(t.monitor.failures).toBe(0);
    expect(t.monitor.lastHealth).toEqual({ at: 'now', ok: true, latency_ms: 1, status_code: 200, error: null });
    expect(t.probed).toHaveLength(5);
    expect(t.targets.every((x) => x === 'http://127.0.0.1:1/health@500')).toBe(true);
    expect(t.monitor.successRate).toBeCloseTo(1 / 5);
    expect(t.clock.pending).toBe(1);
  });

  it('a cannot-probe spell counts no failure, takes last_error over, and gives it back', async () => {
    const t = setup([outcome(false, 'cannot-probe'), outcome(false, 'cannot-probe'), outcome(true)]);
    t.monitor.schedule(1);
    await t.clock.fireNext();
    expect(t.lastError()).toBe('health not monitored since now: cannot probe (bad (cannot-probe))');
    await t.clock.fireNext();
    expect(t.probed).toHaveLength(0);
    expect(t.monitor.failures).toBe(0);
    expect(t.events).toEqual([]);
    await t.clock.fireNext();
    expect(t.lastError()).toBe('earlier error');
    expect(t.logs.tail().map((l) => l.text)).toEqual([
      "cannot probe the backend's health (bad (cannot-probe)): not counted as a failure; state kept, retrying every 1000 ms",
      'health probes can be made again',
    ]);
  });

  it('a check of a generation no longer current probes nothing; cancel drops the scheduled check', async () => {
    const t = setup([]);
    t.monitor.schedule(2);
    await t.clock.fireNext();
    expect(t.targets).toEqual([]);
    t.monitor.schedule(1);
    t.monitor.cancel();
    expect(t.clock.pending).toBe(0);
  });

  it('the success rate covers the last 100 probes; reset forgets the last probe, not the rate', () => {
    const t = setup([]);
    expect(t.monitor.successRate).toBe(1);
    t.monitor.record(outcome(false));
    for (let i = 0; i < 100; i++) t.monitor.record(outcome(true));
    expect(t.monitor.successRate).toBe(1);
    t.monitor.record(outcome(false));
    expect(t.monitor.successRate).toBeCloseTo(99 / 100);
    t.monitor.reset();
    expect(t.monitor.lastHealth).toBeNull();
    expect(t.monitor.failures).toBe(0);
    expect(t.monitor.successRate).toBeCloseTo(99 / 100);
  });
});
