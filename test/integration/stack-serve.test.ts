/**
 * `backend-supervisor serve --stack FILE` as a real child process: a bad stack file is exit 2
 * with nothing started (27); the supervisor killed leaves no process of any service (29);
 * a stack with a real redis-server as its database, driven through the REST API.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceStatus } from '../../src/shared/services';
import { aliveProcess, cmdline } from '../helpers/proc';
import {
  spawnServe,
  spawnsOf,
  startServe,
  STAMP_BACKEND,
  writeFixtureStack,
  type ServeProcess,
  untilServices,
  endServe,
} from '../helpers/stack';
import { freePort, pollUntil, tempDir } from '../helpers/supervise';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'stacks');

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

function track(serve: ServeProcess): ServeProcess {
  cleanups.push(() => endServe(serve, 'SIGTERM'));
  return serve;
}

async function api<T>(serve: ServeProcess, path: string, method = 'GET'): Promise<{ status: number; body: T }> {
  const res = await fetch(`${serve.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${serve.token}` },
  });
  const text = await res.text();
  return {
    status: res.status,
    body: (res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T,
  };
}

async function services(serve: ServeProcess): Promise<ServiceStatus[]> {
  const res = await api<ServiceStatus[]>(serve, '/api/v1/services');
  expect(res.status).toBe(200);
  return res.body;
}

const byName = (list: ServiceStatus[], name: string): ServiceStatus => {
  const s = list.find((x) => x.name === name);
  if (!s) throw new Error(`no service ${name}`);
  return s;
};

describe('27. a bad stack file: exit 2, each problem named with its line, nothing started', () => {
  const cases = [
    {
      file: 'cycle.yaml',
      // The cycle is reported at the depends_on of the service it is found from.
      expect: (stderr: string, path: string) => {
        const m = new RegExp(`${path}:(\\d+): services\\.(\\w+)\\.depends_on: dependency cycle: (.*)`).exec(stderr);
        expect(m, stderr).not.toBeNull();
        const lineOf: Record<string, number> = { db: 5, backend: 8, worker: 12 };
        expect(Number(m![1])).toBe(lineOf[m![2]!]);
        for (const name of ['db', 'backend', 'worker']) expect(m![3]).toContain(name);
      },
    },
    {
      file: 'unknown-dependency.yaml',
      expect: (stderr: string, path: string) =>
        expect(stderr).toContain(`${path}:9: services.backend.depends_on: unknown service 'cache'`),
    },
    {
      file: 'duplicate-name.yaml',
      expect: (stderr: string, path: string) =>
        expect(stderr).toContain(`${path}:8: services.db: duplicate service name`),
    },
  ];
  for (const c of cases) {
    it(c.file, async () => {
      const dir = tempDir('bsup-badstack-');
      const path = join(dir, c.file);
      copyFileSync(join(FIXTURES, c.file), path);
      const serve = track(await spawnServe(path));
      expect(await serve.exited).toBe(2);
      c.expect(serve.stderr(), path);
      // Any service that ran would have left spawned-<name> in the file's folder.
      expect(readdirSync(dir).filter((f) => f.startsWith('spawned'))).toEqual([]);
      expect(serve.stdout()).not.toContain('dashboard');
    });
  }

  it('the marker files do show a service that ran (the check above can fail)', async () => {
    const dir = tempDir('bsup-goodstack-');
    const path = join(dir, 'stack.yaml');
    writeFileSync(
      path,
      `services:\n  db:\n    command: [node, -e, "require('fs').writeFileSync('spawned-db', '')"]\n    restart: 'no'\n`,
    );
    const serve = track(await startServe(path));
    await pollUntil(() => readdirSync(dir).includes('spawned-db'), 10_000, 25, 'spawned-db');
    serve.process.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
  });
});

describe('29. the supervisor killed (SIGKILL)', () => {
  it('leaves no process of any of its three services after 1 s', async () => {
    const { file, services: fixtures } = await writeFixtureStack({
      db: {},
      backend: { depends_on: { db: { condition: 'service_healthy' } } },
      worker: { depends_on: { backend: { condition: 'service_started' } } },
    });
    const serve = track(await startServe(file));
    const list = await untilServices(
      serve,
      'all three running',
      (l) => l.length === 3 && l.every((s) => s.status === 'running'),
    );
    const pids = list.map((s) => s.pid!);
    expect(pids.every(aliveProcess)).toBe(true);
    expect(
      Object.values(fixtures)
        .flatMap((s) => spawnsOf(s).map((x) => x.pid))
        .sort(),
    ).toEqual([...pids].sort());
    const killedAt = Date.now();
    serve.process.kill('SIGKILL');
    await pollUntil(() => !pids.some(aliveProcess), 1_000, 10, 'no service process left').catch((err: Error) => {
      throw new Error(
        `${err.message} (${Date.now() - killedAt} ms): ${pids.filter(aliveProcess).map(cmdline).join('; ')}`,
      );
    });
  });
});

/** redis-server, from the Debian package (.ci/run installs it). */
function which(name: string): string {
  return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
}

describe('serve --stack end to end, with a real redis-server as the database', () => {
  it('lists, stops and starts services over REST; the seed routes act on the primary; metrics per service; SIGTERM stops all', async () => {
    const dir = tempDir('bsup-redis-');
    const [redisPort, backendPort, workerPort] = [await freePort(), await freePort(), await freePort()];
    const fixture = (name: string, port: number) => ({
      command: [process.execPath, STAMP_BACKEND],
      environment: { PORT: String(port), SPAWN_LOG: join(dir, `${name}.spawns`) },
      health: { http: `http://127.0.0.1:${port}/health`, interval: 0.2, timeout: 0.5 },
      restart: { policy: 'always', delay: 0.1 },
      stop_grace_period: 2,
    });
    const stack = {
      services: {
        db: {
          command: [
            which('redis-server'),
            '--port',
            String(redisPort),
            '--bind',
            '127.0.0.1',
            '--save',
            '',
            '--appendonly',
            'no',
          ],
          working_dir: dir,
          health: { command: [which('redis-cli'), '-p', String(redisPort), 'ping'], interval: 0.2, timeout: 1 },
          stop_signal: 'SIGTERM',
          stop_grace_period: 2,
        },
        backend: { ...fixture('backend', backendPort), depends_on: { db: { condition: 'service_healthy' } } },
        worker: { ...fixture('worker', workerPort), depends_on: ['backend'] },
      },
    };
    const file = join(dir, 'stack.yaml');
    writeFileSync(file, JSON.stringify(stack, null, 2));
    const serve = track(await startServe(file));
    // The banner is several writes; the pipe may hand them over in more than one chunk.
    await pollUntil(() => serve.stdout().includes('backend-supervisor: stack'), 10_000, 25, 'the stack line');

    let list = await untilServices(
      serve,
      'all running',
      (l) => l.length === 3 && l.every((s) => s.status === 'running'),
    );
    expect(list.map((s) => [s.name, s.status, s.primary])).toEqual([
      ['db', 'running', false],
      ['backend', 'running', true],
      ['worker', 'running', false],
    ]);
    expect(byName(list, 'backend').depends_on).toEqual([{ service: 'db', condition: 'service_healthy' }]);
    expect(byName(list, 'worker').depends_on).toEqual([{ service: 'backend', condition: 'service_started' }]);
    expect(byName(list, 'db').depends_on).toEqual([]);
    expect(byName(list, 'db').health_check.kind).toBe('command');
    for (const s of list) expect(typeof s.pid).toBe('number');
    const redisPid = byName(list, 'db').pid!;
    expect(cmdline(redisPid)).toContain('redis-server');
    expect(execFileSync(which('redis-cli'), ['-p', String(redisPort), 'ping'], { encoding: 'utf8' }).trim()).toBe(
      'PONG',
    );
    const workerPid = byName(list, 'worker').pid!;
    const firstBackendPid = byName(list, 'backend').pid!;

    // db stopped: backend waits for it; worker (service_started) is left alone.
    const stop = await api<{ success: boolean }>(serve, '/api/v1/services/db/stop', 'POST');
    expect(stop.status).toBe(200);
    expect(stop.body.success).toBe(true);
    list = await untilServices(serve, 'backend waiting', (l) => byName(l, 'backend').status === 'waiting');
    expect(byName(list, 'db').status).toBe('stopped');
    expect(byName(list, 'backend')).toMatchObject({ state_reason: 'db is not healthy', pid: null });
    expect(byName(list, 'worker')).toMatchObject({ status: 'running', pid: workerPid });
    expect(aliveProcess(redisPid)).toBe(false);
    expect(aliveProcess(firstBackendPid)).toBe(false);

    const start = await api<{ success: boolean }>(serve, '/api/v1/services/db/start', 'POST');
    expect(start.status).toBe(200);
    expect(start.body.success).toBe(true);
    list = await untilServices(serve, 'all running again', (l) => l.every((s) => s.status === 'running'));
    expect(byName(list, 'backend').pid).not.toBe(firstBackendPid);
    expect(byName(list, 'backend').restart_count).toBe(0);
    const one = await api<ServiceStatus>(serve, '/api/v1/services/db');
    expect(one.body).toMatchObject({ name: 'db', status: 'running' });

    // The seed's curl commands, unchanged, on the primary service.
    const restart = await api<Record<string, unknown>>(serve, '/api/v1/admin/backend/restart', 'POST');
    expect(restart.status).toBe(200);
    expect(restart.body).toMatchObject({ success: true, message: 'Backend restarted successfully', restart_count: 1 });
    expect(typeof restart.body.pid).toBe('number');
    const status = await api<Record<string, unknown>>(serve, '/api/v1/admin/backend/status');
    expect(status.body).toMatchObject({
      status: 'running',
      pid: restart.body.pid,
      restart_count: 1,
      last_health_check: 'healthy',
      is_running: true,
    });
    expect(typeof status.body.uptime_secs).toBe('number');

    const metrics = await api<string>(serve, '/metrics');
    expect(metrics.status).toBe(200);
    for (const name of ['db', 'backend', 'worker'])
      expect(metrics.body).toMatch(new RegExp(`^backend_status\\{service="${name}"\\} 1$`, 'm'));

    // Deny by default: no token, no list; an unknown name is a 404 naming the services there are.
    expect((await fetch(`${serve.url}/api/v1/services`)).status).toBe(401);
    const unknown = await api<{ error?: unknown }>(serve, '/api/v1/services/cache');
    expect(unknown.status).toBe(404);
    expect(JSON.stringify(unknown.body)).toContain('db, backend, worker');
    expect((await api(serve, '/api/v1/services/cache/stop', 'POST')).status).toBe(404);

    // The whole stack restarted: every service a new process, in order again.
    const before = await services(serve);
    const restarted = await api<{ success: boolean; services: { service: string }[] }>(
      serve,
      '/api/v1/stack/restart',
      'POST',
    );
    expect(restarted.status).toBe(200);
    expect(restarted.body.success).toBe(true);
    list = await untilServices(serve, 'all running after the stack restart', (l) =>
      l.every((s) => s.status === 'running'),
    );
    for (const s of list) expect(s.pid).not.toBe(byName(before, s.name).pid);

    const pids = [...list.map((s) => s.pid!), ...before.map((s) => s.pid!), redisPid, firstBackendPid, workerPid];
    serve.process.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    await pollUntil(() => !pids.some(aliveProcess), 1_000, 10, 'no service process left');
  }, 60_000);
});
