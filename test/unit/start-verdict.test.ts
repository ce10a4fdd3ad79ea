/**
 * waitForStart: a start that runs out of budget comes back with the sentence for
 * `last_error` (its last conclusive probe and the diagnosis's hint); the other outcomes
 * are awaitHealthy's, unchanged.
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/main/core/clock';
import type { HealthProbe, ProbeOutcome } from '../../src/main/core/health-probe';
import type { ProcessExit } from '../../src/main/core/launcher';
import { waitForStart } from '../../src/main/core/startup-wait';

function answer(status: number): ProbeOutcome {
  const ok = status >= 200 && status < 300;
  return {
    at: new Date().toISOString(),
    ok,
    latency_ms: 1,
    status_code: status,
    error: ok ? null : `answered HTTP ${status}`,
    failure: ok ? undefined : 'http-status',
    body: null,
  };
}

/** 404 on the health path, 200 on `/`: the diagnosis points at HEALTH_CHECK_PATH. */
const wrongPath: HealthProbe = {
  probe: async (url) => answer(new URL(url).pathname === '/' ? 200 : 404),
  close: async () => undefined,
};

function wait(probe: HealthProbe, exited: Promise<ProcessExit>, startupTimeoutMs: number) {
  return {
    clock: systemClock,
    probe,
    url: 'http://127.0.0.1:3999/health',
    startedAtMono: systemClock.monotonicMs(),
    startupTimeoutMs,
    healthCheckTimeoutMs: 100,
    exited,
    signal: new AbortController().signal,
    onFailedProbe: () => undefined,
  };
}

describe('waitForStart', () => {
  it("a timeout says the budget, the last probe and the diagnosis's hint", async () => {
    const verdict = await waitForStart(wait(wrongPath, new Promise(() => undefined), 60), process.pid);
    expect(verdict).toEqual({
      kind: 'timeout',
      why: 'not healthy within 60 ms (answered HTTP 404); /health answers 404; / answers 200: set HEALTH_CHECK_PATH?',
    });
  });

  it('an exit during the start is passed on as it is', async () => {
    const exit = { code: 3, signal: null };
    const verdict = await waitForStart(wait(wrongPath, Promise.resolve(exit), 5_000), process.pid);
    expect(verdict).toEqual({ kind: 'exited', exit });
  });

  it('a healthy answer is passed on with its probe', async () => {
    const verdict = await waitForStart(
      wait({ probe: async () => answer(200), close: async () => undefined }, new Promise(() => undefined), 5_000),
      1,
    );
    expect(verdict).toMatchObject({ kind: 'healthy', probe: { ok: true, status_code: 200 } });
  });
});
