/**
 * The stack under hostile dependencies (README "Several services"): a database that crash
 * loops, one that exits 0 for good, and a broken dependent whose dependency flaps. A hold
 * costs no attempt, but it must not hand out fresh attempts either.
 */
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogLine } from '../../src/shared/status';
import { createRuntime } from '../../src/main/core/runtime';
import { parseStackText } from '../../src/main/core/stack/stack-file';
import { fixtureStackText, livePids, makeTestStack, spawnsOf, type TestStack } from '../helpers/stack';
import { pollUntil, tempDir, testConfig } from '../helpers/supervise';

const stacks: TestStack[] = [];
afterEach(async () => {
  while (stacks.length) await stacks.pop()?.dispose();
});

async function testStack(...args: Parameters<typeof makeTestStack>): Promise<TestStack> {
  const made = await makeTestStack(...args);
  stacks.push(made);
  return made;
}

/** How often `service` entered `to` in what the test saw. */
function entries(t: TestStack, service: string, to: string): number {
  return t.events.filter((e) => e.service === service && e.to === to).length;
}

/** Waits `ms` (an absence can only be shown over a window: no spawn, no state change). */
function quietWindow(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('a database that crash loops', () => {
  it('dependents spawn at most once per healthy spell of db, count nothing, record nothing; once db gives up they wait and never spawn', async () => {
    const t = await testStack({
      db: {
        env: { CRASH_AFTER_MS: '300' },
        restart: { policy: 'always', max_attempts: 3, delay: 0.1, max_delay: 0.1 },
      },
      backend: { depends_on: { db: { condition: 'service_healthy' } } },
      api: { depends_on: { db: { condition: 'service_healthy' } } },
    });
    void t.stack.start('rest');
    await t.waitFor('db', 'crashed', 15_000);
    // Its last crash holds them: the hold's stop may still be under way.
    await t.waitFor('backend', 'waiting', 5_000);
    await t.waitFor('api', 'waiting', 5_000);
    const dbHealthy = entries(t, 'db', 'running');
    expect(dbHealthy).toBeGreaterThanOrEqual(1);
    for (const name of ['backend', 'api']) {
      const status = t.stack.serviceStatus(name);
      expect(status.status, name).toBe('waiting');
      expect(status.restart_count, name).toBe(0);
      expect(status.consecutive_failures, name).toBe(0);
      expect(spawnsOf(t.services[name]!).length, name).toBeLessThanOrEqual(dbHealthy);
    }
    expect(t.incidents.filter((i) => i.service !== 'db')).toEqual([]);
    const spawned = { backend: spawnsOf(t.services.backend!).length, api: spawnsOf(t.services.api!).length };
    const mark = t.events.length;
    await quietWindow(800);
    expect({ backend: spawnsOf(t.services.backend!).length, api: spawnsOf(t.services.api!).length }).toEqual(spawned);
    // Not spinning: no state change at all once db gave up.
    expect(t.events.slice(mark)).toEqual([]);
  });

  it('a broken dependent still gives up after its max_attempts while db flaps: a hold hands out no fresh attempts', async () => {
    const t = await testStack({
      // db runs ~1 s per spell, many spells.
      db: {
        env: { CRASH_AFTER_MS: '1000' },
        restart: { policy: 'always', max_attempts: 8, delay: 0.1, max_delay: 0.1 },
      },
      // backend fails on its own: one crash per db spell, at most.
      backend: {
        env: { CRASH_AFTER_MS: '500' },
        depends_on: { db: { condition: 'service_healthy' } },
        restart: { policy: 'always', max_attempts: 2, delay: 0.1, max_delay: 0.1 },
      },
    });
    void t.stack.start('rest');
    const backend = t.stack.member('backend').supervisor;
    const db = t.stack.member('db').supervisor;
    await pollUntil(
      () => backend.currentState === 'crashed' || db.currentState === 'crashed',
      20_000,
      25,
      'backend or db giving up',
    );
    const failures = t.incidents.filter((i) => i.service === 'backend');
    expect(
      backend.currentState,
      `backend failed ${failures.length} times over ${entries(t, 'db', 'running')} db spells without giving up`,
    ).toBe('crashed');
    // 2 attempts: the third failure gives up.
    expect(failures).toHaveLength(3);
  });
});

describe('a dependency with restart "no" that exits 0', () => {
  it('its service_healthy dependents wait without spinning, and follow it when a person starts it again', async () => {
    const t = await testStack({
      db: { env: { CRASH_AFTER_MS: '400', EXIT_CODE: '0' }, restart: 'no' },
      backend: { depends_on: { db: { condition: 'service_healthy' } } },
    });
    const started = await t.stack.start('rest');
    expect(started.success, started.message).toBe(true);
    await t.waitFor('db', 'stopped', 5_000);
    await t.waitFor('backend', 'waiting', 5_000);
    expect(t.stack.serviceStatus('db').state_reason).toMatch(/exited with code 0/);
    expect(t.stack.serviceStatus('backend')).toMatchObject({ restart_count: 0, state_reason: 'db is not healthy' });
    expect(t.incidents).toEqual([]);
    const mark = t.events.length;
    await quietWindow(600);
    expect(t.events.slice(mark)).toEqual([]);
    expect(spawnsOf(t.services.backend!)).toHaveLength(1);
    // A person starts db: backend, still wanted, follows.
    const again = await t.stack.startService('db', 'rest');
    expect(again.success, again.message).toBe(true);
    await t.waitFor('backend', 'running', 5_000);
    expect(spawnsOf(t.services.backend!)).toHaveLength(2);
  });
});

describe('Start all while a service_started dependent runs on alone', () => {
  it('a person stopped backend (worker left running); Start all starts backend and leaves worker’s process alone', async () => {
    const t = await testStack({
      db: {},
      backend: { depends_on: { db: { condition: 'service_healthy' } } },
      worker: { depends_on: { backend: { condition: 'service_started' } } },
    });
    const started = await t.stack.start('rest');
    expect(started.success, started.message).toBe(true);
    const workerPid = t.stack.serviceStatus('worker').pid;
    const stopped = await t.stack.stopService('backend', 'rest');
    expect(stopped.success, stopped.message).toBe(true);
    expect(t.stack.serviceStatus('worker')).toMatchObject({ status: 'running', pid: workerPid });
    const mark = t.events.length;
    const again = await t.stack.start('rest');
    expect(again.success, again.message).toBe(true);
    expect(t.stack.list().map((s) => [s.name, s.status])).toEqual([
      ['db', 'running'],
      ['backend', 'running'],
      ['worker', 'running'],
    ]);
    expect(t.events.slice(mark).filter((e) => e.service === 'worker')).toEqual([]);
    expect(t.stack.serviceStatus('worker').pid).toBe(workerPid);
    expect(spawnsOf(t.services.worker!)).toHaveLength(1);
  });
});

describe('a restart storm', () => {
  it('a service that exits 0 at once with policy always is bounded by max_attempts: 1 + 3 spawns, then crashed', async () => {
    const t = await testStack({
      db: {
        env: { CRASH_AFTER_MS: '0', EXIT_CODE: '0' },
        restart: { policy: 'always', max_attempts: 3, delay: 0.05, max_delay: 0.05 },
      },
    });
    void t.stack.start('rest');
    await t.waitFor('db', 'crashed', 10_000);
    expect(spawnsOf(t.services.db!)).toHaveLength(4);
    expect(t.stack.serviceStatus('db').restart_count).toBe(3);
  });
});

describe('a full disk under one service’s log file', () => {
  it('db’s lines are dropped and counted for db alone; backend, flooding at once, keeps every line on disk', async () => {
    const dir = tempDir('bsup-stack-full-');
    const lines = 20_000;
    const { text, services } = await fixtureStackText(dir, {
      db: { env: { FLOOD_LINES: String(lines) } },
      backend: { env: { FLOOD_LINES: String(lines) } },
    });
    const base = testConfig(1, { dataDir: dir });
    mkdirSync(join(dir, 'logs'), { recursive: true });
    // Every write to db.log fails with ENOSPC.
    symlinkSync('/dev/full', join(dir, 'logs', 'db.log'));
    const runtime = createRuntime(base, undefined, undefined, undefined, parseStackText(text, 'full.yaml', dir, base));
    let shut = false;
    const shutdown = async (): Promise<void> => {
      if (shut) return;
      shut = true;
      await runtime.shutdown();
    };
    try {
      const done = new Set<string>();
      runtime.stack.on('line', (line: LogLine) => {
        if (line.stream === 'stderr' && line.text === 'flood done' && line.service) done.add(line.service);
      });
      const started = await runtime.stack.start('rest');
      expect(started.success, started.message).toBe(true);
      await pollUntil(() => done.size === 2, 20_000, 25, 'both floods done');
      const metrics = await runtime.metrics.metrics();
      const dropped = (service: string): number =>
        Number(
          new RegExp(`^backend_log_lines_dropped_total\\{service="${service}"\\} (\\d+)$`, 'm').exec(metrics)?.[1],
        );
      expect(dropped('db')).toBeGreaterThanOrEqual(lines);
      expect(dropped('backend')).toBe(0);
      expect(runtime.stack.serviceStatus('db').status).toBe('running');
      await shutdown();
      const onDisk = readFileSync(join(dir, 'logs', 'backend.log'), 'utf8')
        .split('\n')
        .filter((l) => l.includes('flood line')).length;
      expect(onDisk).toBe(lines);
    } finally {
      await shutdown();
      expect(Object.values(services).flatMap(livePids)).toEqual([]);
    }
  });
});

describe('two services configured on the same port', () => {
  it('one runs, the other gives up naming the port, and the one running is never disturbed', async () => {
    const dir = tempDir('bsup-stack-port-');
    const { text, services } = await fixtureStackText(dir, { a: {}, b: {} });
    const file = JSON.parse(text) as {
      services: Record<string, { environment: Record<string, string>; health: { http: string } }>;
    };
    file.services.b!.environment.PORT = file.services.a!.environment.PORT!;
    file.services.b!.health.http = file.services.a!.health.http;
    const base = testConfig(1, { dataDir: dir });
    const runtime = createRuntime(
      base,
      undefined,
      undefined,
      undefined,
      parseStackText(JSON.stringify(file), 'port.yaml', dir, base),
    );
    try {
      await runtime.stack.start('rest');
      const a = runtime.stack.member('a').supervisor;
      const b = runtime.stack.member('b').supervisor;
      await pollUntil(
        () => [a.currentState, b.currentState].sort().join() === 'crashed,running',
        10_000,
        25,
        'one running, one crashed',
      ).catch((err: Error) => {
        throw new Error(
          `${err.message}: a ${a.currentState} (${a.status().state_reason}), b ${b.currentState} (${b.status().state_reason})`,
        );
      });
      const [winner, loser] = a.currentState === 'running' ? [a, b] : [b, a];
      expect(loser.status().state_reason).toMatch(/port \d+ is already in use/);
      // No restart storm: its first exit (EADDRINUSE), then one restart that found the port served.
      const loserSpawns = spawnsOf(services[loser.name]!).length;
      expect(loserSpawns).toBeLessThanOrEqual(2);
      expect(runtime.stack.serviceStatus(loser.name).restart_count).toBeLessThanOrEqual(1);
      const pid = winner.status().pid;
      const live = [...livePids(services.a!), ...livePids(services.b!)];
      expect(live).toEqual([pid]);
      // Still the same process a few probes later.
      await quietWindow(600);
      expect(spawnsOf(services[loser.name]!)).toHaveLength(loserSpawns);
      expect(winner.status()).toMatchObject({ status: 'running', pid, restart_count: 0 });
    } finally {
      await runtime.shutdown();
    }
    expect([...livePids(services.a!), ...livePids(services.b!)]).toEqual([]);
  });
});

describe('a dependency killed while the stack shuts down', () => {
  it('is not restarted: shutdown ends after backend’s grace, not db’s (30 s), db spawned once, no incident', async () => {
    const t = await testStack({
      db: { env: { IGNORE_SIGTERM: '1' }, stop_grace_period: 30 },
      backend: {
        env: { IGNORE_SIGTERM: '1' },
        depends_on: { db: { condition: 'service_healthy' } },
        stop_grace_period: 1,
      },
    });
    const started = await t.stack.start('rest');
    expect(started.success, started.message).toBe(true);
    const dbPid = t.stack.serviceStatus('db').pid!;
    const began = Date.now();
    const shutdown = t.runtime.shutdown();
    // Dependents first: db's turn comes once backend is gone (after its 1 s grace).
    await t.waitFor('backend', 'stopping', 2_000);
    process.kill(dbPid, 'SIGKILL');
    await shutdown;
    expect(Date.now() - began).toBeLessThan(3_000);
    expect(spawnsOf(t.services.db!)).toHaveLength(1);
    expect(t.stack.serviceStatus('db').status).toBe('stopped');
    expect(t.incidents).toEqual([]);
  });
});

describe('a person’s start of a service that gave up, while its dependency is down', () => {
  it('gets a fresh set of attempts once the dependency is back (the hold in between keeps the start’s fresh run)', async () => {
    const t = await testStack({
      db: {},
      backend: {
        env: { CRASH_AFTER_MS: '300' },
        depends_on: { db: { condition: 'service_healthy' } },
        restart: { policy: 'always', max_attempts: 1, delay: 0.05, max_delay: 0.05 },
      },
    });
    void t.stack.start('rest');
    await t.waitFor('backend', 'crashed', 10_000);
    expect(spawnsOf(t.services.backend!)).toHaveLength(2);
    await t.stack.stopService('db', 'rest');
    // Start all: db starts again, backend waits for it, then starts with its attempts anew.
    void t.stack.start('rest');
    await pollUntil(() => spawnsOf(t.services.backend!).length >= 3, 10_000, 25, 'backend spawned again');
    await t.waitFor('backend', 'crashed', 10_000);
    expect(spawnsOf(t.services.backend!)).toHaveLength(4);
  });
});
