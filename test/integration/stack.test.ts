/**
 * The stack with real processes (README "Several services"): start in dependency order,
 * independent services in parallel, and racing commands that never make two copies of a
 * service nor start a dependent before its `service_healthy` dependency is up.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/shared/states';
import { livePids, makeTestStack, spawnsOf, type TestStack } from '../helpers/stack';
import { pollUntil } from '../helpers/supervise';

const stacks: TestStack[] = [];
afterEach(async () => {
  while (stacks.length) await stacks.pop()?.dispose();
});

async function testStack(...args: Parameters<typeof makeTestStack>): Promise<TestStack> {
  const made = await makeTestStack(...args);
  stacks.push(made);
  return made;
}

/** Wall time (ms) of the first event of `service` entering `to`. */
function firstEntry(t: TestStack, service: string, to: string): number {
  const event = t.events.find((e) => e.service === service && e.to === to);
  if (!event) throw new Error(`${service} never entered ${to}`);
  return event.at;
}

describe('stack start order', () => {
  it('db → backend (service_healthy) → worker (service_started): each spawns only once its condition holds', async () => {
    const t = await testStack({
      db: { env: { READY_AFTER_MS: '500' } },
      backend: { env: { READY_AFTER_MS: '500' }, depends_on: { db: { condition: 'service_healthy' } } },
      worker: { depends_on: { backend: { condition: 'service_started' } } },
    });
    const result = await t.stack.start('rest');
    expect(result.success, result.message).toBe(true);
    expect(t.stack.list().map((s) => [s.name, s.status])).toEqual([
      ['db', 'running'],
      ['backend', 'running'],
      ['worker', 'running'],
    ]);
    const [db] = spawnsOf(t.services.db!);
    const [backend] = spawnsOf(t.services.backend!);
    const [worker] = spawnsOf(t.services.worker!);
    expect([db, backend, worker].every(Boolean)).toBe(true);
    // backend: not before db was healthy (db's 503s for 500 ms kept it waiting).
    expect(backend!.at).toBeGreaterThanOrEqual(firstEntry(t, 'db', 'running'));
    expect(t.events.find((e) => e.service === 'backend')).toMatchObject({ to: 'waiting', reason: 'db is not healthy' });
    // worker: once backend was started, before it was healthy (service_started is not service_healthy).
    expect(worker!.at).toBeGreaterThanOrEqual(firstEntry(t, 'backend', 'starting'));
    expect(worker!.at).toBeLessThan(firstEntry(t, 'backend', 'running'));
    // One process each.
    expect(spawnsOf(t.services.db!)).toHaveLength(1);
    expect(spawnsOf(t.services.backend!)).toHaveLength(1);
    expect(spawnsOf(t.services.worker!)).toHaveLength(1);
  });

  it('two services with no dependencies start in parallel: both spawn before either is healthy', async () => {
    const t = await testStack({
      left: { env: { READY_AFTER_MS: '1500' } },
      right: { env: { READY_AFTER_MS: '1500' } },
    });
    const result = await t.stack.start('rest');
    expect(result.success, result.message).toBe(true);
    const firstHealthy = Math.min(firstEntry(t, 'left', 'running'), firstEntry(t, 'right', 'running'));
    const [left] = spawnsOf(t.services.left!);
    const [right] = spawnsOf(t.services.right!);
    expect(left!.at).toBeLessThan(firstHealthy);
    expect(right!.at).toBeLessThan(firstHealthy);
  });
});

describe('commands on one service', () => {
  const chain = {
    db: {},
    backend: { depends_on: { db: { condition: 'service_healthy' as const } } },
    worker: { depends_on: { backend: { condition: 'service_started' as const } } },
  };

  it('starting worker alone starts what it depends on first, in order', async () => {
    const t = await testStack(chain);
    const result = await t.stack.command('worker', 'start', 'rest');
    expect(result).toMatchObject({ success: true, status: 'running' });
    expect(t.stack.list().map((s) => s.status)).toEqual(['running', 'running', 'running']);
    const [db] = spawnsOf(t.services.db!);
    const [backend] = spawnsOf(t.services.backend!);
    const [worker] = spawnsOf(t.services.worker!);
    expect(backend!.at).toBeGreaterThanOrEqual(firstEntry(t, 'db', 'running'));
    expect(worker!.at).toBeGreaterThanOrEqual(firstEntry(t, 'backend', 'starting'));
    expect(db!.at).toBeLessThan(backend!.at);
  });

  it('restarting db counts for db only: backend waits and comes back, worker is left alone', async () => {
    const t = await testStack(chain);
    expect((await t.stack.start('rest')).success).toBe(true);
    const workerPid = t.stack.serviceStatus('worker').pid;
    const mark = t.events.length;
    const result = await t.stack.command('db', 'restart', 'rest');
    expect(result).toMatchObject({ success: true, restart_count: 1 });
    await pollUntil(
      () => t.eventAfter(mark, (e) => e.service === 'backend' && e.to === 'running') !== undefined,
      10_000,
      10,
      'backend running again',
    );
    expect(t.eventAfter(mark, (e) => e.service === 'backend' && e.to === 'waiting')).toMatchObject({
      reason: 'db is not healthy',
    });
    expect(t.stack.serviceStatus('backend')).toMatchObject({ restart_count: 0, consecutive_failures: 0 });
    expect(t.stack.serviceStatus('worker')).toMatchObject({ status: 'running', pid: workerPid, restart_count: 0 });
    expect(spawnsOf(t.services.backend!)).toHaveLength(2);
    expect(spawnsOf(t.services.worker!)).toHaveLength(1);
  });
});

describe('a start that cannot complete', () => {
  it('db gives up (crashed): the stack start answers, backend stays waiting and never spawns', async () => {
    const t = await testStack({
      db: { env: { CRASH_AFTER_MS: '0' }, restart: { policy: 'on-failure', max_attempts: 1, delay: 0.1 } },
      backend: { depends_on: { db: { condition: 'service_healthy' } } },
    });
    const result = await t.stack.start('rest');
    expect(result.success).toBe(false);
    expect(result.message).toContain('backend');
    expect(t.stack.serviceStatus('db').status).toBe('crashed');
    expect(t.stack.serviceStatus('backend')).toMatchObject({
      status: 'waiting',
      state_reason: 'db is not healthy',
      pid: null,
    });
    expect(spawnsOf(t.services.backend!)).toEqual([]);
    expect(spawnsOf(t.services.db!).length).toBeGreaterThan(0);
  });

  it('a stack stop during a long start does not wait behind it: all stopped, the dependent never spawned', async () => {
    const t = await testStack({
      db: { env: { READY_AFTER_MS: '8000' } },
      backend: { depends_on: { db: { condition: 'service_healthy' } } },
    });
    const starting = t.stack.start('rest');
    // db spawned and in its startup wait (503s for 8 s).
    await pollUntil(() => spawnsOf(t.services.db!).length === 1, 5_000, 5, 'db spawned');
    const t0 = Date.now();
    const stopped = await t.stack.stop('rest');
    expect(stopped.success, stopped.message).toBe(true);
    // Well inside db's 8 s of 503s: the stop cut the start short.
    expect(Date.now() - t0).toBeLessThan(4_000);
    const started = await starting;
    expect(started.success).toBe(false);
    expect(t.stack.list().map((s) => s.status)).toEqual(['stopped', 'stopped']);
    expect(spawnsOf(t.services.backend!)).toEqual([]);
    expect(livePids(t.services.db!)).toEqual([]);
  });
});

describe('racing commands', () => {
  it('1,000 racing stack and service commands: never two copies, never a dependent before its healthy dependency; all settles', async () => {
    const t = await testStack({
      db: {},
      backend: { depends_on: { db: { condition: 'service_healthy' } } },
      worker: { depends_on: { backend: { condition: 'service_started' } } },
    });
    const { stack } = t;
    const names = ['db', 'backend', 'worker'] as const;
    const violations: string[] = [];
    // Sampled throughout: at most one live process per service.
    const sample = (): void => {
      for (const name of names) {
        const live = livePids(t.services[name]!);
        if (live.length > 1) violations.push(`${name}: two live copies ${live.join(', ')}`);
      }
    };
    const sampler = setInterval(sample, 5);
    // Each time backend passes its start gate (→ starting), db must be running at that moment.
    stack.on('state', (e) => {
      if (e.service === 'backend' && e.to === 'starting' && stack.member('db').supervisor.currentState !== 'running') {
        violations.push(`backend starting while db is ${stack.member('db').supervisor.currentState}`);
      }
    });

    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const actor: Actor = 'rest';
    const command = (): Promise<unknown> => {
      const verb = (['start', 'start', 'stop', 'stop', 'stop', 'restart'] as const)[random(6)]!;
      if (random(4) === 0) return stack[verb](actor);
      return stack.command(names[random(3)]!, verb, actor);
    };
    const all: Promise<unknown>[] = [];
    try {
      // Bursts of 100 issued at once; the next one at the second state change after it (or
      // once everything has answered), so the bursts land on processes in every phase.
      for (let i = 0; i < 1000; i += 100) {
        const burst = Array.from({ length: 100 }, command);
        all.push(...burst);
        const changes = new Promise<void>((resolve) => {
          let n = 0;
          const onState = (): void => {
            if (++n < 2) return;
            stack.off('state', onState);
            resolve();
          };
          stack.on('state', onState);
        });
        await Promise.race([changes, Promise.allSettled(all)]);
      }
      const settled = await Promise.allSettled(all);
      const refused = settled.filter((s) => s.status === 'rejected');
      expect(refused.map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
      sample();
    } finally {
      clearInterval(sampler);
    }
    expect(violations).toEqual([]);

    // Every backend spawn came after db became healthy, through a gated start.
    for (const spawn of spawnsOf(t.services.backend!)) {
      const gate = t.events.filter((e) => e.service === 'backend' && e.to === 'starting' && e.at <= spawn.at).at(-1);
      expect(gate, `backend spawn at ${spawn.at} without a start before it`).toBeDefined();
      expect(gate!.states.db).toBe('running');
    }
    expect(spawnsOf(t.services.db!).length).toBeGreaterThan(3);

    // Settles: a stack stop leaves nothing.
    const stopped = await stack.stop('rest');
    expect(stopped.success, stopped.message).toBe(true);
    expect(stack.list().map((s) => s.status)).toEqual(['stopped', 'stopped', 'stopped']);
    for (const name of names) expect(livePids(t.services[name]!)).toEqual([]);
  }, 120_000);
});
