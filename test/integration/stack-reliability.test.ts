/**
 * Stack faults against real processes: a dependency that crashes (25) or hangs (26) takes
 * its `service_healthy` dependents to `waiting` and back at no cost to their restart
 * attempts; a stack stop with dependents that ignore SIGTERM stops them first, escalating,
 * then what they depend on (28). Numbers are those of the reliability list.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { aliveProcess } from '../helpers/proc';
import { livePids, makeTestStack, spawnsOf, type StateRecord, type TestStack } from '../helpers/stack';
import { pollUntil } from '../helpers/supervise';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function testStack(...args: Parameters<typeof makeTestStack>): Promise<TestStack> {
  const made = await makeTestStack(...args);
  cleanups.push(() => made.dispose());
  return made;
}

/** The first event from index `from` on that `match` holds; throws when there is none. */
function eventOf(t: TestStack, from: number, what: string, match: (e: StateRecord) => boolean): StateRecord {
  const event = t.eventAfter(from, match);
  if (!event) throw new Error(`no event: ${what}`);
  return event;
}

/** db → backend (service_healthy) → worker (service_started on backend), started and running. */
async function runningChain(db: Parameters<typeof makeTestStack>[0][string]): Promise<TestStack> {
  const t = await testStack({
    db,
    backend: { depends_on: { db: { condition: 'service_healthy' } } },
    worker: { depends_on: { backend: { condition: 'service_started' } } },
  });
  const started = await t.stack.start('rest');
  expect(started.success, started.message).toBe(true);
  return t;
}

/**
 * After a fault of db from event index `mark`: backend went to `waiting` ("db is not
 * healthy") within 1 s of `downAt`, and was running again within 1 s of db being healthy,
 * with no attempt counted and no incident; worker (service_started) was left alone.
 */
async function expectDependentsFollowed(
  t: TestStack,
  mark: number,
  downAt: number,
  before: { restarts: number; workerPid: number; backendPid: number },
): Promise<void> {
  // Back: db healthy again, then backend running again.
  await pollUntil(
    () => {
      const dbUp = t.eventAfter(mark, (e) => e.service === 'db' && e.to === 'running');
      return (
        dbUp !== undefined &&
        t.eventAfter(t.events.indexOf(dbUp), (e) => e.service === 'backend' && e.to === 'running') !== undefined
      );
    },
    15_000,
    25,
    'db and then backend running again',
  );
  const waiting = eventOf(t, mark, 'backend → waiting', (e) => e.service === 'backend' && e.to === 'waiting');
  expect(waiting).toMatchObject({ actor: 'dependency', reason: 'db is not healthy' });
  expect(waiting.at - downAt).toBeLessThanOrEqual(1000);
  // Its process was stopped, not left running beside a dead database.
  expect(aliveProcess(before.backendPid)).toBe(false);
  const dbUp = eventOf(t, mark, 'db → running', (e) => e.service === 'db' && e.to === 'running');
  const backendUp = eventOf(
    t,
    t.events.indexOf(dbUp),
    'backend → running',
    (e) => e.service === 'backend' && e.to === 'running',
  );
  expect(backendUp.at - dbUp.at).toBeLessThanOrEqual(1000);
  // Never started while db was not healthy.
  const backendStarts = t.events.slice(mark).filter((e) => e.service === 'backend' && e.to === 'starting');
  expect(backendStarts.length).toBeGreaterThan(0);
  for (const start of backendStarts) expect(start.states.db).toBe('running');

  const backend = t.stack.serviceStatus('backend');
  expect(backend.restart_count).toBe(before.restarts);
  expect(backend.consecutive_failures).toBe(0);
  expect(t.incidents.filter((i) => i.service === 'backend')).toEqual([]);
  expect(t.incidents.filter((i) => i.service === 'db').length).toBeGreaterThan(0);
  expect(spawnsOf(t.services.backend!)).toHaveLength(2);

  // worker needs backend only started (Compose: start order only): left alone, same process.
  const worker = t.stack.serviceStatus('worker');
  expect(worker.status).toBe('running');
  expect(worker.pid).toBe(before.workerPid);
  expect(worker.restart_count).toBe(0);
  expect(t.events.slice(mark).filter((e) => e.service === 'worker')).toEqual([]);
  expect(spawnsOf(t.services.worker!)).toHaveLength(1);
}

function snapshot(t: TestStack) {
  const backend = t.stack.serviceStatus('backend');
  return {
    restarts: backend.restart_count,
    backendPid: backend.pid!,
    workerPid: t.stack.serviceStatus('worker').pid!,
    dbPid: t.stack.serviceStatus('db').pid!,
  };
}

describe('a dependency that goes down', () => {
  it('25. db killed (SIGKILL): backend waits within 1 s of the exit, runs again within 1 s of db healthy, nothing counted', async () => {
    const t = await runningChain({ env: { READY_AFTER_MS: '300' } });
    const before = snapshot(t);
    const mark = t.events.length;
    process.kill(before.dbPid, 'SIGKILL');
    await pollUntil(
      () => t.eventAfter(mark, (e) => e.service === 'db') !== undefined,
      5_000,
      5,
      'db noticing its exit',
    );
    // The supervisor's view of the exit: db leaving `running`.
    const exit = eventOf(t, mark, 'db leaves running', (e) => e.service === 'db');
    expect(exit.from).toBe('running');
    await expectDependentsFollowed(t, mark, exit.at, before);
    expect(t.incidents.find((i) => i.service === 'db')).toMatchObject({ pid: before.dbPid });
  });

  it('26. db hung (SIGSTOP): once the hang is confirmed backend waits, and follows db back, nothing counted', async () => {
    const t = await runningChain({
      env: { READY_AFTER_MS: '300' },
      health: { interval: 0.2, timeout: 0.3, retries: 2 },
      stop_grace_period: 0.5,
    });
    const before = snapshot(t);
    cleanups.push(() => {
      if (aliveProcess(before.dbPid)) process.kill(before.dbPid, 'SIGCONT');
    });
    const mark = t.events.length;
    process.kill(before.dbPid, 'SIGSTOP');
    await pollUntil(
      () => t.eventAfter(mark, (e) => e.service === 'db' && e.to === 'unhealthy') !== undefined,
      5_000,
      10,
      'the hang confirmed',
    );
    const confirmed = eventOf(t, mark, 'db → unhealthy', (e) => e.service === 'db' && e.to === 'unhealthy');
    expect(confirmed.actor).toBe('health');
    // Nothing moved before the hang was confirmed.
    expect(t.events.slice(mark, t.events.indexOf(confirmed)).filter((e) => e.service !== 'db')).toEqual([]);
    await expectDependentsFollowed(t, mark, confirmed.at, before);
    expect(t.incidents.find((i) => i.service === 'db')).toMatchObject({ kind: 'hang', pid: before.dbPid });
  });
});

describe('stack stop', () => {
  it('28. dependents that ignore SIGTERM are stopped first (SIGKILL after their grace), then db; within the chain’s graces + 1 s', async () => {
    const grace = { worker: 1, backend: 1, db: 1 };
    const t = await testStack({
      db: { stop_grace_period: grace.db },
      backend: {
        env: { IGNORE_SIGTERM: '1' },
        stop_grace_period: grace.backend,
        depends_on: { db: { condition: 'service_healthy' } },
      },
      worker: {
        env: { IGNORE_SIGTERM: '1' },
        stop_grace_period: grace.worker,
        depends_on: { backend: { condition: 'service_started' } },
      },
    });
    const started = await t.stack.start('rest');
    expect(started.success, started.message).toBe(true);
    const mark = t.events.length;
    const t0 = Date.now();
    const stopped = await t.stack.stop('rest');
    const took = Date.now() - t0;
    expect(stopped.success, stopped.message).toBe(true);
    expect(t.stack.list().map((s) => s.status)).toEqual(['stopped', 'stopped', 'stopped']);
    for (const s of Object.values(t.services)) expect(livePids(s)).toEqual([]);

    const at = (service: string, to: string): number =>
      eventOf(t, mark, `${service} → ${to}`, (e) => e.service === service && e.to === to).at;
    // Dependents first: each one gone before what it depends on is asked to stop.
    expect(at('worker', 'stopped')).toBeLessThanOrEqual(at('backend', 'stopping'));
    expect(at('backend', 'stopped')).toBeLessThanOrEqual(at('db', 'stopping'));
    // Escalated: each ignoring dependent took its grace, then SIGKILL.
    expect(at('worker', 'stopped') - at('worker', 'stopping')).toBeGreaterThanOrEqual(grace.worker * 1000 - 50);
    expect(at('backend', 'stopped') - at('backend', 'stopping')).toBeGreaterThanOrEqual(grace.backend * 1000 - 50);
    for (const name of ['worker', 'backend']) {
      const lines = t.stack
        .member(name)
        .logs.tail(50)
        .map((l) => l.text);
      expect(
        lines.some((l) => l.includes('SIGKILL')),
        `${name}: ${lines.join('\n')}`,
      ).toBe(true);
    }
    expect(took).toBeLessThanOrEqual((grace.worker + grace.backend + grace.db) * 1000 + 1000);
  });
});
