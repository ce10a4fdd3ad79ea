/**
 * Issue 14, part 2: settings applied in place. `POST /api/v1/config/reload` and SIGHUP on a
 * real `serve --stack` of real backends (fault-backend.mjs): a probe-only change keeps the
 * pid, a changed environment restarts that service only (new pid), added services start and
 * removed ones stop, a file with problems changes nothing and answers them by line, and one
 * reload runs at a time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import type { ReloadResult } from '../../src/shared/reload';
import type { ServiceStatus } from '../../src/shared/services';
import {
  fixtureStackText,
  livePids,
  spawnsOf,
  startServe,
  untilServices,
  writeFixtureStack,
  type ServeProcess,
  type ServiceSpec,
  endServe,
  postReload,
  servicesOf,
} from '../helpers/stack';
import { pollUntil } from '../helpers/supervise';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

function track(serve: ServeProcess): ServeProcess {
  cleanups.push(() => endServe(serve, 'SIGKILL'));
  return serve;
}

const pidOf = (list: ServiceStatus[], name: string): number | null | undefined =>
  list.find((s) => s.name === name)?.pid;
const allRunning = (names: string[]) => (list: ServiceStatus[]) =>
  names.every((n) => list.find((s) => s.name === n)?.status === 'running') && list.length === names.length;

/**
 * Rewrites `file` with `specs`, keeping the ports (and spawn logs) of the services already in
 * `services`: a service whose spec is the same is the same service.
 */
async function rewrite(
  file: string,
  dir: string,
  specs: Record<string, ServiceSpec>,
  ports: Record<string, number>,
): Promise<Record<string, { port: number; spawnLog: string; name: string }>> {
  const { text, services } = await fixtureStackText(dir, specs);
  let fixed = text;
  for (const [name, service] of Object.entries(services)) {
    const port = ports[name];
    if (port === undefined) continue;
    fixed = fixed.replaceAll(`"PORT": "${service.port}"`, `"PORT": "${port}"`);
    fixed = fixed.replaceAll(`127.0.0.1:${service.port}/`, `127.0.0.1:${port}/`);
    service.port = port;
  }
  writeFileSync(file, fixed);
  return services;
}

describe('POST /api/v1/config/reload on serve --stack', () => {
  it('a probe-only change applies in place (same pid); a changed environment restarts that service only (new pid)', async () => {
    const specs: Record<string, ServiceSpec> = {
      db: {},
      backend: { depends_on: { db: { condition: 'service_started' } } },
    };
    const { file, dir, services } = await writeFixtureStack(specs);
    const ports = { db: services.db!.port, backend: services.backend!.port };
    const serve = track(await startServe(file));
    const before = await untilServices(serve, 'all running', allRunning(['db', 'backend']));
    const dbPid = pidOf(before, 'db');
    const backendPid = pidOf(before, 'backend');

    // Probe settings only: the dry run says so and changes nothing.
    await rewrite(file, dir, { ...specs, backend: { ...specs.backend, health: { interval: 0.3, retries: 5 } } }, ports);
    const plan = await postReload(serve, true);
    expect(plan.status).toBe(200);
    const planned = plan.body as unknown as ReloadResult;
    expect(planned.applied).toBe(false);
    expect(planned.services).toEqual([
      { service: 'db', action: 'unchanged', changes: [] },
      { service: 'backend', action: 'update', changes: ['health.interval', 'health.retries'] },
    ]);
    const applied = await postReload(serve);
    expect(applied.status).toBe(200);
    expect((applied.body as unknown as ReloadResult).applied).toBe(true);
    const after = await untilServices(serve, 'all running', allRunning(['db', 'backend']));
    expect(pidOf(after, 'backend')).toBe(backendPid);
    expect(pidOf(after, 'db')).toBe(dbPid);
    expect(spawnsOf(services.backend!)).toHaveLength(1);
    // The running supervisor has the new interval (the seed's health route shows it, in s).
    const health = await fetch(`${serve.url}/api/v1/admin/backend/health`, {
      headers: { authorization: `Bearer ${serve.token}` },
    });
    expect(((await health.json()) as { health_check_interval: number }).health_check_interval).toBe(0.3);

    // Its environment: backend restarts with a new pid; db keeps its process.
    await rewrite(
      file,
      dir,
      { ...specs, backend: { ...specs.backend, env: { GREETING: 'hello' }, health: { interval: 0.3, retries: 5 } } },
      ports,
    );
    const restart = await postReload(serve);
    expect(restart.status).toBe(200);
    const result = restart.body as unknown as ReloadResult;
    expect(result.services.find((s) => s.service === 'backend')).toEqual({
      service: 'backend',
      action: 'restart',
      changes: ['environment'],
    });
    expect(result.result?.success).toBe(true);
    const restarted = await untilServices(serve, 'all running', allRunning(['db', 'backend']));
    expect(pidOf(restarted, 'backend')).not.toBe(backendPid);
    expect(pidOf(restarted, 'backend')).toBe(spawnsOf(services.backend!)[1]?.pid);
    expect(pidOf(restarted, 'db')).toBe(dbPid);
    expect(livePids(services.backend!)).toEqual([pidOf(restarted, 'backend')]);
    expect(spawnsOf(services.db!)).toHaveLength(1);
    // The reload's restart counts as one, as `pm2 reload` does; the kept service counts none.
    expect(restarted.find((s) => s.name === 'backend')?.restart_count).toBe(1);
    expect(restarted.find((s) => s.name === 'db')?.restart_count).toBe(0);
  });

  it('starts an added service and stops a removed one, in dependency order; the others keep their pid', async () => {
    const specs: Record<string, ServiceSpec> = { db: {}, backend: {}, old: {} };
    const { file, dir, services } = await writeFixtureStack(specs);
    const serve = track(await startServe(file));
    const before = await untilServices(serve, 'all running', allRunning(['db', 'backend', 'old']));
    const scrape = async (): Promise<string> =>
      (await fetch(`${serve.url}/metrics`, { headers: { authorization: `Bearer ${serve.token}` } })).text();
    expect(await scrape()).toContain('backend_status{service="old"} 1');
    const next = await rewrite(
      file,
      dir,
      {
        db: {},
        backend: {},
        worker: { depends_on: { db: { condition: 'service_healthy' } } },
      },
      { db: services.db!.port, backend: services.backend!.port },
    );
    const { status, body } = await postReload(serve);
    expect(status).toBe(200);
    expect((body as unknown as ReloadResult).services).toEqual([
      { service: 'db', action: 'unchanged', changes: [] },
      { service: 'backend', action: 'unchanged', changes: [] },
      { service: 'worker', action: 'start', changes: [] },
      { service: 'old', action: 'stop', changes: [] },
    ]);
    const after = await untilServices(serve, 'worker running, old gone', allRunning(['db', 'backend', 'worker']));
    expect(after.map((s) => s.name)).toEqual(['db', 'backend', 'worker']);
    expect(pidOf(after, 'db')).toBe(pidOf(before, 'db'));
    expect(pidOf(after, 'backend')).toBe(pidOf(before, 'backend'));
    expect(livePids(services.old!)).toEqual([]);
    expect(livePids(next.worker!)).toEqual([pidOf(after, 'worker')]);
    const gone = await fetch(`${serve.url}/api/v1/services/old`, {
      headers: { authorization: `Bearer ${serve.token}` },
    });
    expect(gone.status).toBe(404);
    // /metrics follows: the added service has its series, the removed one none.
    const metrics = await scrape();
    expect(metrics).toContain('backend_status{service="worker"} 1');
    expect(metrics).not.toContain('backend_status{service="old"}');
    // Its counters stay (README "Metrics"): a rate() over the removal sees no reset.
    expect(metrics).toContain('backend_exits_total{service="old",expected="true"} 1');
    // Its log lines on the console say whose they are, the new service's too.
    await pollUntil(() => serve.stdout().includes('[supervisor:worker]'), 10_000, 25, "worker's lines");
  });

  it('a file with problems changes nothing and answers each by file:line; a dry run likewise', async () => {
    const specs: Record<string, ServiceSpec> = { backend: {} };
    const { file, services } = await writeFixtureStack(specs);
    const serve = track(await startServe(file));
    const before = await untilServices(serve, 'running', allRunning(['backend']));
    writeFileSync(
      file,
      [
        'services:',
        '  backend:',
        `    command: ["${process.execPath}", "-e", "setInterval(() => {}, 1000)"]`,
        '    colour: blue',
        '  worker:',
        '    command: []',
        '',
      ].join('\n'),
    );
    for (const dryRun of [true, false]) {
      const { status, body } = await postReload(serve, dryRun);
      expect(status).toBe(400);
      expect(body.code).toBe('STACK_FILE_INVALID');
      const problems = body.problems as string[];
      expect(problems.some((p) => p.includes(`${file}:4:`) && p.includes('colour'))).toBe(true);
      expect(problems.some((p) => p.includes(`${file}:6:`))).toBe(true);
    }
    const after = await untilServices(serve, 'running', allRunning(['backend']));
    expect(pidOf(after, 'backend')).toBe(pidOf(before, 'backend'));
    expect(spawnsOf(services.backend!)).toHaveLength(1);
  });

  it("a person's stop still under way when the reload comes is kept: not started again, no restart counted", async () => {
    // backend ignores SIGTERM: its stop takes the grace period (then SIGKILL), and the reload comes meanwhile.
    const specs: Record<string, ServiceSpec> = {
      db: {},
      backend: { env: { IGNORE_SIGTERM: '1' }, stop_grace_period: 2 },
    };
    const { file, dir, services } = await writeFixtureStack(specs);
    const ports = { db: services.db!.port, backend: services.backend!.port };
    const serve = track(await startServe(file));
    await untilServices(serve, 'all running', allRunning(['db', 'backend']));
    const stop = fetch(`${serve.url}/api/v1/services/backend/stop`, {
      method: 'POST',
      headers: { authorization: `Bearer ${serve.token}` },
    });
    await untilServices(
      serve,
      'backend stopping',
      (list) => list.find((s) => s.name === 'backend')?.status === 'stopping',
    );
    await rewrite(
      file,
      dir,
      { ...specs, backend: { ...specs.backend, env: { IGNORE_SIGTERM: '1', GREETING: 'hi' } } },
      ports,
    );
    const reload = await postReload(serve);
    expect(reload.status).toBe(200);
    expect((await stop).status).toBe(200);
    const after = await servicesOf(serve);
    const backend = after.find((s) => s.name === 'backend');
    expect(backend?.status).toBe('stopped');
    expect(backend?.restart_count).toBe(0);
    expect(spawnsOf(services.backend!)).toHaveLength(1);
    expect(after.find((s) => s.name === 'db')?.status).toBe('running');
  });

  it('runs one reload at a time: another while one restarts a service answers 409 RELOAD_IN_PROGRESS', async () => {
    const specs: Record<string, ServiceSpec> = { backend: {} };
    const { file, dir, services } = await writeFixtureStack(specs);
    const serve = track(await startServe(file));
    await untilServices(serve, 'running', allRunning(['backend']));
    // The restarted backend is healthy only 2 s after it listens: the first reload lasts that long.
    await rewrite(file, dir, { backend: { env: { READY_AFTER_MS: '2000' } } }, { backend: services.backend!.port });
    const first = postReload(serve);
    await pollUntil(() => spawnsOf(services.backend!).length === 2, 10_000, 10, 'the restart spawned');
    const second = await postReload(serve);
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('RELOAD_IN_PROGRESS');
    expect((await first).status).toBe(200);
    // Once it answered, the next one runs (nothing left to change).
    const third = await postReload(serve);
    expect(third.status).toBe(200);
    expect((third.body as unknown as ReloadResult).services).toEqual([
      { service: 'backend', action: 'unchanged', changes: [] },
    ]);
  });
});

describe('SIGHUP to serve --stack', () => {
  it('reloads instead of stopping: a changed environment restarts the service; a bad file is refused and serve goes on', async () => {
    const specs: Record<string, ServiceSpec> = { backend: {} };
    const { file, dir, services } = await writeFixtureStack(specs);
    const serve = track(await startServe(file));
    const before = await untilServices(serve, 'running', allRunning(['backend']));
    await rewrite(file, dir, { backend: { env: { GREETING: 'hi' } } }, { backend: services.backend!.port });
    serve.process.kill('SIGHUP');
    await pollUntil(
      () => serve.stdout().includes('backend-supervisor: reload: backend: restarted (environment changed)'),
      15_000,
      25,
      'the reload line',
    );
    const after = await untilServices(serve, 'running', allRunning(['backend']));
    expect(pidOf(after, 'backend')).not.toBe(pidOf(before, 'backend'));
    expect(serve.process.exitCode).toBeNull();

    writeFileSync(file, 'services:\n  backend:\n    command: []\n');
    serve.process.kill('SIGHUP');
    await pollUntil(() => serve.stderr().includes('reload refused, nothing changed'), 15_000, 25, 'the refusal');
    expect(serve.stderr()).toContain(`${file}:3:`);
    const still = await untilServices(serve, 'running', allRunning(['backend']));
    expect(pidOf(still, 'backend')).toBe(pidOf(after, 'backend'));
    expect(serve.process.exitCode).toBeNull();
    // SIGTERM still stops it.
    serve.process.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(livePids(services.backend!)).toEqual([]);
  });
});
