/**
 * Issue 14, part 2: the plan of a reload (stack-reload-plan.ts) over stacks read by the real
 * loader: what a process is spawned with restarts it, probe and restart settings (and keys a
 * definition gains later, such as `notify`) apply in place, added and removed services are
 * named, and the settings only a supervisor restart applies are named and kept at their
 * running values. Also the health monitor taking a reload's interval at once.
 */
import { describe, expect, it } from 'vitest';
import type { HealthCheckResult } from '../../src/shared/status';
import type { Clock } from '../../src/main/core/clock';
import type { ProbeOutcome } from '../../src/main/core/health-probe';
import { HealthMonitor } from '../../src/main/core/health-monitor';
import { LogStore } from '../../src/main/core/log-store';
import { parseStackText } from '../../src/main/core/stack/stack-file';
import { runningDatabase } from '../../src/main/core/stack/stack-reload-source';
import { envStack } from '../../src/main/core/stack/default-stack';
import { keepRunningValues, planReload, type StackSnapshot } from '../../src/main/core/stack/stack-reload-plan';
import { tempDir, testConfig } from '../helpers/supervise';

const dir = tempDir('bsup-reload-plan-');
const base = testConfig(1, { dataDir: dir });

/** A snapshot of the stack file `services` (JSON is YAML) over `config`. */
function snapshot(services: Record<string, unknown>, config = base): StackSnapshot {
  const definition = parseStackText(JSON.stringify({ services }), `${dir}/stack.yaml`, dir, config);
  return { config, definition: { ...definition, file: `${dir}/stack.yaml` } };
}

const service = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  command: [process.execPath, 'server.js'],
  health: { http: 'http://127.0.0.1:3000/health', interval: 1 },
  ...extra,
});

describe('planReload', () => {
  it('probe, restart and stop settings apply in place; command, environment, working dir restart', () => {
    const before = snapshot({ db: service(), api: service(), worker: service(), web: service() });
    const after = snapshot({
      db: service({ health: { http: 'http://127.0.0.1:3000/health', interval: 5, retries: 7 } }),
      api: service({ restart: { policy: 'on-failure', max_attempts: 9 }, stop_signal: 'SIGINT' }),
      worker: service({ environment: { MODE: 'fast' } }),
      web: service({ command: [process.execPath, 'other.js'], working_dir: '/tmp' }),
    });
    expect(planReload(before, after).services).toEqual([
      { service: 'db', action: 'update', changes: ['health.interval', 'health.retries'] },
      { service: 'api', action: 'update', changes: ['restart.max_attempts', 'restart', 'stop_signal'] },
      { service: 'worker', action: 'restart', changes: ['environment'] },
      { service: 'web', action: 'restart', changes: ['args', 'working_dir'] },
    ]);
  });

  it('in remote mode (no process) a changed command applies in place', () => {
    const remote = testConfig(1, { dataDir: dir, orchestratorEnabled: false });
    const before = snapshot({ api: service() }, remote);
    const after = snapshot({ api: service({ environment: { MODE: 'fast' } }) }, remote);
    expect(planReload(before, after).services).toEqual([
      { service: 'api', action: 'update', changes: ['environment'] },
    ]);
  });

  it('switching remote mode restarts every service in the new mode, needing no supervisor restart', () => {
    const remote = testConfig(1, { dataDir: dir, orchestratorEnabled: false });
    const local = snapshot({ api: service(), worker: service({ environment: { MODE: 'fast' } }) });
    const watched = snapshot({ api: service(), worker: service() }, remote);
    for (const [before, after] of [
      [local, watched],
      [watched, local],
    ] as const) {
      const plan = planReload(before, after);
      expect(plan.needs_supervisor_restart).toEqual([]);
      expect(plan.services).toEqual([
        { service: 'api', action: 'restart', changes: ['orchestratorEnabled'] },
        { service: 'worker', action: 'restart', changes: ['orchestratorEnabled', 'environment'] },
      ]);
      // The new mode is carried out, not the running one kept.
      const kept = keepRunningValues(before, after);
      expect(kept.config.orchestratorEnabled).toBe(after.config.orchestratorEnabled);
      expect(kept.definition.services.map((s) => s.config.orchestratorEnabled)).toEqual([
        after.config.orchestratorEnabled,
        after.config.orchestratorEnabled,
      ]);
    }
  });

  it('a changed health check target applies in place; dependencies too', () => {
    const before = snapshot({ db: service(), api: service() });
    const after = snapshot({
      db: service({ health: { tcp: '127.0.0.1:5432' } }),
      api: service({ depends_on: ['db'] }),
    });
    const plan = planReload(before, after);
    expect(plan.services.map((s) => [s.service, s.action])).toEqual([
      ['db', 'update'],
      ['api', 'update'],
    ]);
    expect(plan.services[0]!.changes).toContain('health');
    expect(plan.services[1]!.changes).toEqual(['depends_on']);
  });

  it('names added services in the new order and removed ones last; unchanged ones as such', () => {
    const before = snapshot({ a: service(), gone: service(), b: service() });
    const after = snapshot({ b: service(), a: service(), fresh: service() });
    expect(planReload(before, after).services).toEqual([
      { service: 'b', action: 'unchanged', changes: [] },
      { service: 'a', action: 'unchanged', changes: [] },
      { service: 'fresh', action: 'start', changes: [] },
      { service: 'gone', action: 'stop', changes: [] },
    ]);
  });

  it('a key the definition gains later (notify) applies in place', () => {
    const before = snapshot({ api: service() });
    const after = snapshot({ api: service() });
    (after.definition.services[0] as unknown as Record<string, unknown>).notify = [{ webhook: 'http://x' }];
    expect(planReload(before, after).services).toEqual([{ service: 'api', action: 'update', changes: ['notify'] }]);
  });

  it('the control port waits for a supervisor restart and keeps its running value; the log settings apply in place', () => {
    const before = snapshot({ api: service() });
    const changed = testConfig(1, {
      dataDir: dir,
      controlPort: 9999,
      logBufferLines: 50,
      logDir: `${dir}/other-logs`,
      logFileMaxBytes: 4096,
      logFileCount: 3,
    });
    const after = snapshot({ api: service() }, changed);
    const plan = planReload(before, after);
    expect(plan.needs_supervisor_restart).toEqual(['controlPort']);
    expect(plan.services).toEqual([
      {
        service: 'api',
        action: 'update',
        changes: ['logBufferLines', 'logFileMaxBytes', 'logFileCount', 'logDir'],
      },
    ]);
    const kept = keepRunningValues(before, after);
    expect(kept.config.controlPort).toBe(base.controlPort);
    expect(kept.config).toMatchObject({
      logBufferLines: 50,
      logDir: `${dir}/other-logs`,
      logFileMaxBytes: 4096,
      logFileCount: 3,
    });
    expect(kept.definition.services[0]!.config.logBufferLines).toBe(50);
  });

  it('another primary service waits for a restart: the running one stays primary', () => {
    const before = snapshot({ a: service({ primary: true }), b: service() });
    const after = snapshot({ a: service(), b: service({ primary: true }) });
    expect(planReload(before, after).needs_supervisor_restart).toEqual(['primary']);
    const kept = keepRunningValues(before, after);
    expect(kept.definition.services.map((s) => [s.name, s.primary])).toEqual([
      ['a', true],
      ['b', false],
    ]);
  });
});

describe("the default stack's database on a reload", () => {
  it('keeps the port it runs on (from its -p), not the port file check of a start', () => {
    expect(runningDatabase(envStack(base, { port: 54_321 }))).toEqual({ port: 54_321 });
    expect(runningDatabase(envStack(base))).toBeNull();
  });

  it('remote mode switched: the database is removed (or added) and the backend restarts without (or with) it', () => {
    const remote = testConfig(1, { dataDir: dir, orchestratorEnabled: false });
    const local: StackSnapshot = { config: base, definition: envStack(base, { port: 54_321 }) };
    const watched: StackSnapshot = { config: remote, definition: envStack(remote) };
    const off = planReload(local, watched);
    expect(off.needs_supervisor_restart).toEqual([]);
    expect(off.services).toEqual([
      { service: 'backend', action: 'restart', changes: ['orchestratorEnabled', 'environment', 'depends_on'] },
      { service: 'postgres', action: 'stop', changes: [] },
    ]);
    const on = planReload(watched, local);
    expect(on.services).toEqual([
      { service: 'postgres', action: 'start', changes: [] },
      { service: 'backend', action: 'restart', changes: ['orchestratorEnabled', 'environment', 'depends_on'] },
    ]);
  });
});

describe('HealthMonitor.reconfigure', () => {
  it('moves the scheduled probe to the new interval at once, with the new target and timeout', async () => {
    let now = 0;
    const timers: { due: number; fn: () => void; id: number }[] = [];
    let id = 0;
    const clock: Clock = {
      monotonicMs: () => now,
      wallNow: () => new Date(now),
      setTimeout: (fn, ms) => {
        timers.push({ due: now + ms, fn, id: ++id });
        return id;
      },
      clearTimeout: (t) => void timers.splice(timers.findIndex((x) => x.id === t) >>> 0, 1),
    };
    const ok: ProbeOutcome = { at: 'now', ok: true, latency_ms: 1, status_code: 200, error: null, body: null };
    const calls: string[] = [];
    const prober = (name: string) => ({
      probe: async (target: string, timeoutMs: number) => {
        calls.push(`${name} ${target}@${timeoutMs}`);
        return ok;
      },
      close: async () => undefined,
    });
    const probed: HealthCheckResult[] = [];
    const monitor = new HealthMonitor(
      clock,
      prober('old'),
      'http://old/health',
      { intervalMs: 30_000, timeoutMs: 500, failureThreshold: 3, confirmDelayMs: 100 },
      new LogStore(100),
      {
        isCurrent: () => true,
        isUnhealthy: () => false,
        recovered: () => undefined,
        failed: () => undefined,
        probed: (p) => void probed.push(p),
        getLastError: () => null,
        setLastError: () => undefined,
      },
    );
    monitor.schedule(1);
    now = 1_000;
    monitor.reconfigure(prober('new'), 'http://new/health', {
      intervalMs: 200,
      timeoutMs: 900,
      failureThreshold: 3,
      confirmDelayMs: 100,
    });
    expect(timers.map((t) => t.due)).toEqual([1_200]);
    const next = timers.shift()!;
    now = next.due;
    next.fn();
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(calls).toEqual(['new http://new/health@900']);
    expect(timers.map((t) => t.due)).toEqual([1_400]);
    monitor.cancel();
  });
});
