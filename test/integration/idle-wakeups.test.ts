/**
 * Issue 13, "Idle": when nothing happens, nothing in `backend-supervisor serve` wakes more
 * often than the health interval and one sampler a second at most. Counted, not timed: a
 * preloaded hook (test/helpers/idle-hook.mjs) records every JS timer callback of the real
 * process and every event-loop delay monitor it creates (a native timer: prom-client's
 * default one sampled every 10 ms, ~100 wake-ups a second). A slow machine can only make a
 * timer run later, never more often, so these bounds cannot fail for slowness.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startHeadless, type HeadlessServer } from '../helpers/headless-server';
import { FAULT_BACKEND, freePort, pollUntil, tempDir } from '../helpers/supervise';

const HOOK = join(import.meta.dirname, '..', 'helpers', 'idle-hook.mjs');
/** The idle window observed, ms, after the start has settled. */
const WINDOW_MS = 5_000;
/** Time given to the start's last steps (its probes, the banner's echo) once `running`, ms. */
const SETTLE_MS = 1_000;
/** Two runs of one timer closer than this, ms, make it a timer that wakes about every second or more often. */
const FREQUENT_GAP_MS = 1_500;

interface TimerRun {
  id: number;
  periodMs: number;
  repeat: boolean;
  at: number;
}
interface HookRecord {
  runs: TimerRun[];
  monitors: { resolutionMs: number; at: number }[];
}

let server: HeadlessServer | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

describe('an idle supervisor (issue 13, Idle)', () => {
  it('runs no timer more often than once a second but one, and no 10 ms event-loop sampler', async () => {
    const port = await freePort();
    const out = join(tempDir('bsup-idle-'), 'timers.json');
    server = await startHeadless({
      GO_BACKEND_BINARY: process.execPath,
      BACKEND_ARGS: JSON.stringify([FAULT_BACKEND]),
      GO_BACKEND_URL: `http://127.0.0.1:${port}`,
      PORT: String(port),
      HEALTH_CHECK_INTERVAL: '5',
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${pathToFileURL(HOOK).href}`.trim(),
      IDLE_HOOK_OUT: out,
    });
    const running = server;
    await pollUntil(() => running.output().includes('Backend started successfully'), 20_000, 25, 'the backend');
    // A fixed window of idleness is what is measured: no event marks its end.
    const from = Date.now() + SETTLE_MS;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS + WINDOW_MS));
    const to = Date.now();
    expect(await running.stop()).toBe(0);
    server = null;
    const record = JSON.parse(readFileSync(out, 'utf8')) as HookRecord;

    // prom-client's default metrics make one; sampling every 10 ms, it alone woke the process
    // ~100 times a second (0.6 % of a core at idle).
    expect(record.monitors.length).toBeGreaterThan(0);
    for (const m of record.monitors) expect(m.resolutionMs).toBeGreaterThanOrEqual(1_000);

    const inWindow = record.runs.filter((r) => r.at >= from && r.at <= to);
    const byTimer = new Map<number, TimerRun[]>();
    for (const r of inWindow) byTimer.set(r.id, [...(byTimer.get(r.id) ?? []), r]);
    const frequent = [...byTimer.values()].filter((runs) =>
      runs.some((r, i) => i > 0 && r.at - (runs[i - 1] as TimerRun).at < FREQUENT_GAP_MS),
    );
    const described = frequent.map((runs) => `every ${runs[0]?.periodMs} ms (${runs.length} runs)`);
    // The one sampler a second: Node's own check of the HTTP server's header and request
    // timeouts (connectionsCheckingInterval, see connection-limits.ts). The stall check of
    // connection-limits.ts runs only while a connection is open.
    expect(described.length, described.join('; ')).toBeLessThanOrEqual(1);
    for (const runs of frequent) expect(runs[0]?.periodMs).toBeGreaterThanOrEqual(1_000);
    // No chain of short one-off timers either: all timers together, at most 3 runs a second
    // (the sampler, the health probe and undici's tick after it, the chart sampler).
    const seconds = (to - from) / 1_000;
    expect(inWindow.length, JSON.stringify(inWindow.slice(0, 20))).toBeLessThanOrEqual(Math.ceil(3 * seconds));
  });
});
