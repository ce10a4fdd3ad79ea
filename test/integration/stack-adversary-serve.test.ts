/**
 * `serve --stack` stopped by signals at awkward moments (README "Several services" and the
 * headless section: the first signal stops, a second SIGKILLs every live group): with a
 * dependency in backoff and its dependent waiting, with a dependent that ignores SIGTERM,
 * and a new serve on the data folder of one killed mid-start.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceStatus } from '../../src/shared/services';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEEPER_NAME } from '../../src/main/core/group-keeper';
import { aliveProcess, cmdline, processesWhere } from '../helpers/proc';
import {
  livePids,
  spawnsOf,
  startServe,
  untilServices,
  writeFixtureStack,
  type ServeProcess,
  endServe,
} from '../helpers/stack';
import { pollUntil, tempDir } from '../helpers/supervise';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

function track(serve: ServeProcess): ServeProcess {
  cleanups.push(() => endServe(serve, 'SIGKILL'));
  return serve;
}

const stateOf = (list: ServiceStatus[], name: string): string | undefined => list.find((s) => s.name === name)?.status;

/** Resolves with the exit code, or throws when serve is still alive after `ms`. */
async function exitWithin(serve: ServeProcess, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`serve still running ${ms} ms later:\n${serve.stdout()}`)), ms);
  });
  try {
    return await Promise.race([serve.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('SIGTERM to serve --stack', () => {
  it('with db in a long backoff and backend waiting: exit 0 at once, nothing spawned after, nothing left', async () => {
    const { file, services: fixtures } = await writeFixtureStack({
      db: {
        env: { CRASH_AFTER_MS: '200' },
        restart: { policy: 'always', max_attempts: 5, delay: 30, max_delay: 30 },
      },
      backend: { depends_on: { db: { condition: 'service_healthy' } } },
    });
    const serve = track(await startServe(file));
    await untilServices(
      serve,
      'db in backoff, backend waiting',
      (l) => stateOf(l, 'db') === 'backoff' && stateOf(l, 'backend') === 'waiting',
    );
    const dbSpawns = spawnsOf(fixtures.db!).length;
    const backendSpawns = spawnsOf(fixtures.backend!).length;
    serve.process.kill('SIGTERM');
    expect(await exitWithin(serve, 3_000)).toBe(0);
    expect(spawnsOf(fixtures.db!)).toHaveLength(dbSpawns);
    expect(spawnsOf(fixtures.backend!)).toHaveLength(backendSpawns);
    expect([...livePids(fixtures.db!), ...livePids(fixtures.backend!)]).toEqual([]);
  });

  it('a second SIGTERM while a dependent ignores SIGTERM (30 s grace): every group SIGKILLed, exit within 2 s', async () => {
    const { file, services: fixtures } = await writeFixtureStack({
      db: { env: { IGNORE_SIGTERM: '1' }, stop_grace_period: 30 },
      backend: {
        env: { IGNORE_SIGTERM: '1', GRANDCHILDREN: '1' },
        depends_on: { db: { condition: 'service_healthy' } },
        stop_grace_period: 30,
      },
      worker: { depends_on: { backend: { condition: 'service_started' } }, stop_grace_period: 30 },
    });
    const serve = track(await startServe(file));
    const list = await untilServices(serve, 'all running', (l) => l.every((s) => s.status === 'running'));
    const pids = list.map((s) => s.pid!);
    serve.process.kill('SIGTERM');
    // The stop under way: worker stopped, backend ignoring SIGTERM for its 30 s grace.
    await pollUntil(() => serve.stdout().includes('SIGTERM ignored'), 5_000, 10, 'backend ignoring SIGTERM');
    expect(serve.process.exitCode).toBeNull();
    const forcedAt = Date.now();
    serve.process.kill('SIGTERM');
    await exitWithin(serve, 2_000);
    expect(Date.now() - forcedAt).toBeLessThan(2_000);
    await pollUntil(() => !pids.some(aliveProcess), 1_000, 10, 'no service leader left');
    expect(Object.values(fixtures).flatMap(livePids)).toEqual([]);
  });

  // SIGHUP reloads (issue 14; test/integration/reload.test.ts).
  it('SIGINT stops the stack as SIGTERM does: exit 0, dependents before db', async () => {
    for (const signal of ['SIGINT'] as const) {
      const { file, services: fixtures } = await writeFixtureStack({
        db: {},
        backend: { depends_on: { db: { condition: 'service_healthy' } } },
      });
      const serve = track(await startServe(file));
      await untilServices(serve, 'all running', (l) => l.every((s) => s.status === 'running'));
      serve.process.kill(signal);
      expect(await exitWithin(serve, 5_000), signal).toBe(0);
      expect(Object.values(fixtures).flatMap(livePids), signal).toEqual([]);
      const out = serve.stdout();
      const backendExit = out.indexOf('[backend] SIGTERM: exiting');
      const dbExit = out.indexOf('[db] SIGTERM: exiting');
      expect(backendExit, signal).toBeGreaterThanOrEqual(0);
      expect(dbExit, signal).toBeGreaterThan(backendExit);
    }
  });
});

describe('serve --stack killed (SIGKILL) mid-start, then a new serve on the same data folder', () => {
  it('starts each service once, with no double process and every service running', async () => {
    const { file, services: fixtures } = await writeFixtureStack({
      db: {},
      backend: { env: { READY_AFTER_MS: '2000' }, depends_on: { db: { condition: 'service_healthy' } } },
      worker: { depends_on: { backend: { condition: 'service_started' } } },
    });
    const dataDir = tempDir('bsup-serve-shared-');
    const first = track(await startServe(file, { SUPERVISOR_DATA_DIR: dataDir }));
    // backend spawned but not yet healthy: a start under way.
    await untilServices(first, 'backend starting', (l) => stateOf(l, 'backend') === 'starting');
    first.process.kill('SIGKILL');
    await first.exited;
    const second = track(await startServe(file, { SUPERVISOR_DATA_DIR: dataDir }));
    const list = await untilServices(second, 'all running', (l) => l.every((s) => s.status === 'running'));
    for (const s of list) {
      const fixture = fixtures[s.name]!;
      expect(livePids(fixture), s.name).toEqual([s.pid]);
    }
    second.process.kill('SIGTERM');
    expect(await exitWithin(second, 5_000)).toBe(0);
    expect(Object.values(fixtures).flatMap(livePids)).toEqual([]);
  });
});

describe('an orphan of a dependent that never gets to start again', () => {
  it('serve and its keeper killed (SIGKILL); the next serve reaps backend’s leftover though db never comes up', async () => {
    const dataDir = tempDir('bsup-serve-orphan-');
    const first = await writeFixtureStack({
      db: {},
      backend: { env: { GRANDCHILDREN: '1' }, depends_on: { db: { condition: 'service_healthy' } } },
    });
    const pidLog = join(first.dir, 'backend.pids');
    const firstFile = first.file;
    const text = readFileSync(firstFile, 'utf8').replace(
      '"GRANDCHILDREN": "1"',
      `"GRANDCHILDREN": "1", "PID_FILE": ${JSON.stringify(pidLog)}`,
    );
    writeFileSync(firstFile, text);
    const serve1 = track(await startServe(firstFile, { SUPERVISOR_DATA_DIR: dataDir }));
    await untilServices(serve1, 'all running', (l) => l.every((s) => s.status === 'running'));
    const grandchild = Number(/grandchild (\d+)/.exec(readFileSync(pidLog, 'utf8'))?.[1]);
    expect(aliveProcess(grandchild)).toBe(true);
    cleanups.push(() => {
      if (aliveProcess(grandchild)) process.kill(grandchild, 'SIGKILL');
    });
    const serveGrandchildren = processesWhere((_, s) => s.ppid === serve1.process.pid).filter((pid) =>
      cmdline(pid).includes(KEEPER_NAME),
    );
    expect(serveGrandchildren).toHaveLength(1);
    // The keeper first, so nothing kills the groups: a leftover a supervisor's death leaves.
    process.kill(serveGrandchildren[0]!, 'SIGKILL');
    serve1.process.kill('SIGKILL');
    await serve1.exited;
    await pollUntil(() => !livePids(first.services.db!).length, 2_000, 10, 'the leaders gone (pdeathsig)');
    expect(aliveProcess(grandchild)).toBe(true);
    // The next serve, same data folder, a db that now never gets healthy (HTTP 500, no restart).
    const second = await writeFixtureStack({
      db: { env: { HEALTH_STATUS: '500' }, health: { startup_timeout: 1 }, restart: 'no' },
      backend: { depends_on: { db: { condition: 'service_healthy' } } },
    });
    const serve2 = track(await startServe(second.file, { SUPERVISOR_DATA_DIR: dataDir }));
    await untilServices(
      serve2,
      'db crashed, backend waiting',
      (l) => stateOf(l, 'db') === 'crashed' && stateOf(l, 'backend') === 'waiting',
    );
    await pollUntil(() => !aliveProcess(grandchild), 5_000, 25, 'backend’s leftover reaped');
    expect(spawnsOf(second.services.backend!)).toEqual([]);
    serve2.process.kill('SIGTERM');
    expect(await exitWithin(serve2, 5_000)).toBe(0);
  });
});
