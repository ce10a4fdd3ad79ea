// Preloaded into `backend-supervisor serve` by test/integration/idle-wakeups.test.ts
// (NODE_OPTIONS=--import=<this file>, IDLE_HOOK_OUT=<file>): records, without a timer of its
// own, every JS timer callback the process runs (async_hooks: the Timeout's id, period, and
// when it ran) and every event-loop delay monitor created (its sampling period, a native
// timer that async_hooks cannot see), and writes them as JSON to IDLE_HOOK_OUT at exit.
// Any other Node process that inherits NODE_OPTIONS (the supervised backend) records nothing.
import { createHook } from 'node:async_hooks';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const out = process.env.IDLE_HOOK_OUT;
if (out && process.argv[2] === 'serve') {
  /** Most timer runs kept: a 10 ms timer over a minute fits; a runaway one is cut, not a memory leak. */
  const MAX_RUNS = 100_000;
  const timers = new Map();
  const runs = [];
  createHook({
    init(asyncId, type, _trigger, resource) {
      if (type === 'Timeout') timers.set(asyncId, resource);
    },
    before(asyncId) {
      const timer = timers.get(asyncId);
      if (timer === undefined || runs.length >= MAX_RUNS) return;
      runs.push({ id: asyncId, periodMs: timer._idleTimeout, repeat: timer._repeat !== null, at: Date.now() });
    },
    destroy(asyncId) {
      timers.delete(asyncId);
    },
  }).enable();
  // The CommonJS exports object of perf_hooks: the one prom-client calls (through `require`).
  const perfHooks = createRequire(import.meta.url)('node:perf_hooks');
  const monitors = [];
  const monitor = perfHooks.monitorEventLoopDelay;
  perfHooks.monitorEventLoopDelay = (options) => {
    monitors.push({ resolutionMs: options?.resolution ?? 10, at: Date.now() });
    return monitor(options);
  };
  process.on('exit', () => writeFileSync(out, JSON.stringify({ runs, monitors })));
}
