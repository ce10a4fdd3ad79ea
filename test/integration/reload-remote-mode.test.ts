/**
 * Remote mode (ORCHESTRATOR_ENABLED) switched by a reload, without a restart of the
 * supervisor (README "Reloading the settings"), on a real `serve` over real HTTP: switched
 * off, the service's process is stopped and its remote watch begins (stop and start answer
 * REMOTE_MODE, the outage of the remote backend is an incident); switched on again, a new
 * process is spawned with its pid file, and the incidents of the remote spell are in the
 * history's file. On the default stack the embedded PostgreSQL goes and comes back with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReloadResult } from '../../src/shared/reload';
import type { ServiceStatus } from '../../src/shared/services';
import { startHeadless, type HeadlessServer } from '../helpers/headless-server';
import { aliveProcess } from '../helpers/proc';
import {
  endServe,
  fixtureStackText,
  postReload,
  servicesOf,
  STAMP_BACKEND,
  startServe,
  untilServices,
  type ServeProcess,
} from '../helpers/stack';
import { freePort, pollUntil, tempDir } from '../helpers/supervise';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/** A fresh data folder (removed after the test) with an empty settings file, and a writer of that file. */
function dataFolder(prefix: string): { dir: string; settings: (values: Record<string, unknown>) => void } {
  const dir = tempDir(prefix);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const settings = (values: Record<string, unknown>): void =>
    writeFileSync(join(dir, 'settings.json'), JSON.stringify(values));
  settings({});
  return { dir, settings };
}

/** `serve --stack <file>` on the data folder `dir`, killed after the test. */
async function serveIn(dir: string, file: string): Promise<ServeProcess> {
  const serve = await startServe(file, { SUPERVISOR_DATA_DIR: dir });
  cleanups.push(() => endServe(serve, 'SIGKILL'));
  return serve;
}

/** A fault backend the test runs itself on `port` (the "remote" one); killed after the test. */
async function externalBackend(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [STAMP_BACKEND], {
    env: { ...process.env, PORT: String(port) },
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  await pollUntil(
    async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => null))?.ok === true,
    10_000,
    25,
    'the external backend answering',
  );
  return child;
}

const one = (list: ServiceStatus[], name: string): ServiceStatus => {
  const found = list.find((s) => s.name === name);
  if (!found) throw new Error(`no service ${name} in ${JSON.stringify(list.map((s) => s.name))}`);
  return found;
};

/** POST /api/v1/config/reload, answered within 30 s (a reload that waits for ever is a defect). */
async function reloadApplied(serve: Pick<ServeProcess, 'url' | 'token'>): Promise<ReloadResult> {
  const res = await fetch(`${serve.url}/api/v1/config/reload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${serve.token}` },
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json()) as ReloadResult;
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
}

async function command(serve: ServeProcess, what: 'start' | 'stop'): Promise<{ status: number; code: unknown }> {
  const res = await fetch(`${serve.url}/api/v1/admin/backend/${what}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${serve.token}` },
  });
  return { status: res.status, code: ((await res.json()) as { code?: unknown }).code };
}

describe('a reload switches remote mode on serve --stack', () => {
  it('off: the process stops and the remote backend is watched; on: a new process with its pid file, the incidents kept', async () => {
    const { dir, settings } = dataFolder('bsup-reload-remote-');
    const { text, services } = await fixtureStackText(dir, { api: {} });
    const local = services.api!;
    const file = join(dir, 'stack.yaml');
    writeFileSync(file, text);
    const serve = await serveIn(dir, file);
    const before = one(await untilServices(serve, 'api running', (l) => one(l, 'api').status === 'running'), 'api');
    const firstPid = before.pid!;
    expect(before.orchestrator_enabled).toBe(true);
    const pidFile = join(dir, 'api.pid');
    expect(JSON.parse(readFileSync(pidFile, 'utf8'))).toMatchObject({ pid: firstPid });

    // Off, with the health check aimed at a backend that runs elsewhere (the test's own).
    const remotePort = await freePort();
    const remote = await externalBackend(remotePort);
    settings({ orchestratorEnabled: false });
    writeFileSync(file, text.replaceAll(`127.0.0.1:${local.port}/health`, `127.0.0.1:${remotePort}/health`));
    const plan = (await postReload(serve, true)).body as unknown as ReloadResult;
    expect(plan.needs_supervisor_restart).toEqual([]);
    // The health URL gives the service's URL too (backend_url).
    const changes = ['orchestratorEnabled', 'health', 'backend_url'];
    expect(plan.services).toEqual([{ service: 'api', action: 'restart', changes }]);
    const off = await reloadApplied(serve);
    expect(off.result?.success, JSON.stringify(off.result)).toBe(true);
    const watched = one(await servicesOf(serve), 'api');
    expect(watched).toMatchObject({ status: 'running', orchestrator_enabled: false, pid: null });
    expect(watched.restart_count).toBe(before.restart_count + 1);
    await pollUntil(() => !aliveProcess(firstPid), 5_000, 25, 'the local process gone');
    expect(existsSync(pidFile)).toBe(false);
    // As in a start in remote mode: nothing is started or stopped from here.
    expect(await command(serve, 'stop')).toEqual({ status: 409, code: 'REMOTE_MODE' });

    // The remote backend goes down: an outage, as remote mode records it.
    remote.kill('SIGKILL');
    await untilServices(serve, 'api unhealthy', (l) => one(l, 'api').status === 'unhealthy');
    const incidentsFile = join(dir, 'incidents.jsonl');
    const kinds = (): string[] =>
      existsSync(incidentsFile)
        ? readFileSync(incidentsFile, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => (JSON.parse(l) as { kind: string }).kind)
        : [];
    // Remote mode keeps the history in memory, as at a start in remote mode.
    expect(kinds()).not.toContain('remote-down');

    // On again, the health check back on the local port: a process of its own, its pid file,
    // and the remote spell's outage now in the history's file.
    settings({});
    writeFileSync(file, text);
    const on = await reloadApplied(serve);
    expect(on.services).toEqual([{ service: 'api', action: 'restart', changes }]);
    expect(on.result?.success, JSON.stringify(on.result)).toBe(true);
    const back = one(await servicesOf(serve), 'api');
    expect(back).toMatchObject({ status: 'running', orchestrator_enabled: true });
    expect(back.pid).toBeGreaterThan(0);
    expect(back.pid).not.toBe(firstPid);
    expect(aliveProcess(back.pid!)).toBe(true);
    expect(JSON.parse(readFileSync(pidFile, 'utf8'))).toMatchObject({ pid: back.pid });
    expect(kinds()).toContain('remote-down');
    // Stopped by a person again, as in local mode.
    expect((await command(serve, 'stop')).status).toBe(200);
    await pollUntil(() => !aliveProcess(back.pid!), 5_000, 25, 'the new process stopped');
  });
});

/** A plain TCP listener the test runs itself on a free port (a remote service with a `tcp` check); closed after the test. */
async function tcpListener(): Promise<number> {
  const server: Server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as { port: number }).port;
}

describe('a reload switches remote mode, a service with a tcp check', () => {
  it('its remote watch probes the target of its own check: running at once, no outage', async () => {
    const { dir, settings } = dataFolder('bsup-reload-remote-tcp-');
    const { text, services } = await fixtureStackText(dir, { cache: {} });
    const local = services.cache!;
    const file = join(dir, 'stack.yaml');
    const httpCheck = `"http": "http://127.0.0.1:${local.port}/health"`;
    writeFileSync(file, text.replace(httpCheck, `"tcp": "127.0.0.1:${local.port}"`));
    const serve = await serveIn(dir, file);
    await untilServices(serve, 'cache running', (l) => one(l, 'cache').status === 'running');

    // Off, the check aimed at a listener that runs elsewhere (the test's own).
    const remotePort = await tcpListener();
    settings({ orchestratorEnabled: false });
    writeFileSync(file, text.replace(httpCheck, `"tcp": "127.0.0.1:${remotePort}"`));
    const off = await reloadApplied(serve);
    // Before, the first probe of the watch was handed the settings' health URL (an http://
    // one), which a tcp check cannot read: `unhealthy` and an outage, though it answered.
    expect(off.result?.success, JSON.stringify(off.result)).toBe(true);
    const watched = one(await servicesOf(serve), 'cache');
    expect(watched).toMatchObject({ status: 'running', orchestrator_enabled: false, pid: null });
    expect(watched.health_check).toEqual({ kind: 'tcp', target: `tcp://127.0.0.1:${remotePort}` });

    // On again: no outage of the remote spell reaches the history's file.
    settings({});
    writeFileSync(file, text.replace(httpCheck, `"tcp": "127.0.0.1:${local.port}"`));
    const on = await reloadApplied(serve);
    expect(on.result?.success, JSON.stringify(on.result)).toBe(true);
    const incidentsFile = join(dir, 'incidents.jsonl');
    const text2 = existsSync(incidentsFile) ? readFileSync(incidentsFile, 'utf8') : '';
    expect(text2).not.toContain('remote-down');
  });
});

describe('a reload switches remote mode, a service with no health check', () => {
  it('nothing to watch: running, the reload answers success, no outage', async () => {
    const { dir, settings } = dataFolder('bsup-reload-remote-none-');
    const { text, services } = await fixtureStackText(dir, { worker: {} });
    const file = join(dir, 'stack.yaml');
    // No check at all (Compose's service_started): alive means ready.
    writeFileSync(file, text.replace(`"http": "http://127.0.0.1:${services.worker!.port}/health",`, ''));
    const serve = await serveIn(dir, file);
    const before = one(
      await untilServices(serve, 'worker running', (l) => one(l, 'worker').status === 'running'),
      'worker',
    );
    expect(before.health_check.kind).toBe('none');

    settings({ orchestratorEnabled: false });
    const off = await reloadApplied(serve);
    // Before, the watch probed the check's target `none` (or the settings' health URL) as an
    // http URL: `unhealthy` for ever and an outage, for a service nothing can tell about.
    expect(off.result?.success, JSON.stringify(off.result)).toBe(true);
    const watched = one(await servicesOf(serve), 'worker');
    expect(watched).toMatchObject({ status: 'running', orchestrator_enabled: false, pid: null });
    await pollUntil(() => !aliveProcess(before.pid!), 5_000, 25, 'the local process gone');
    // Still so after the periods of several probes (the check's interval is 0.2 s).
    const start = Date.now();
    await pollUntil(() => Date.now() - start >= 1_000, 2_000, 100, 'a second gone by');
    expect(one(await servicesOf(serve), 'worker').status).toBe('running');

    settings({});
    const on = await reloadApplied(serve);
    expect(on.result?.success, JSON.stringify(on.result)).toBe(true);
    const incidentsFile = join(dir, 'incidents.jsonl');
    expect(existsSync(incidentsFile) ? readFileSync(incidentsFile, 'utf8') : '').not.toContain('remote-down');
  });
});

describe('a reload switches remote mode, the local process crashing', () => {
  it('the watch of a healthy remote backend shows no error of the process it replaced', async () => {
    const { dir, settings } = dataFolder('bsup-reload-remote-crash-');
    const { text, services } = await fixtureStackText(dir, {
      api: {
        env: { CRASH_AFTER_MS: '200' },
        restart: { policy: 'always', max_attempts: 50, delay: 0.5, max_delay: 1 },
      },
    });
    const file = join(dir, 'stack.yaml');
    writeFileSync(file, text);
    const serve = await serveIn(dir, file);
    const crashed = await untilServices(serve, 'api in backoff', (l) => one(l, 'api').status === 'backoff');
    expect(one(crashed, 'api').last_error).toMatch(/exited/);

    const remotePort = await freePort();
    await externalBackend(remotePort);
    settings({ orchestratorEnabled: false });
    writeFileSync(file, text.replaceAll(`127.0.0.1:${services.api!.port}/health`, `127.0.0.1:${remotePort}/health`));
    const off = await reloadApplied(serve);
    expect(off.result?.success, JSON.stringify(off.result)).toBe(true);
    // Before, the crash of the stopped process stayed the status's last error (the Status
    // page's red "Last error") while the remote backend answered.
    expect(one(await servicesOf(serve), 'api')).toMatchObject({
      status: 'running',
      orchestrator_enabled: false,
      last_error: null,
    });
  });
});

describe('remote mode on serve --stack, the remote backend down', () => {
  it('a start of the service answers at once: unhealthy, watched until it answers again', async () => {
    const { dir, settings } = dataFolder('bsup-remote-start-');
    settings({ orchestratorEnabled: false });
    const { text, services } = await fixtureStackText(dir, { api: {} });
    const file = join(dir, 'stack.yaml');
    writeFileSync(file, text);
    const serve = await serveIn(dir, file);
    await untilServices(serve, 'api unhealthy', (l) => one(l, 'api').status === 'unhealthy');
    // Before, the stack waited for a state the watch never reaches while the backend is down.
    const res = await fetch(`${serve.url}/api/v1/services/api/start`, {
      method: 'POST',
      headers: { authorization: `Bearer ${serve.token}` },
      signal: AbortSignal.timeout(10_000),
    });
    const answer = (await res.json()) as { success: boolean; status: string; message: string };
    expect(answer).toMatchObject({ success: false, status: 'unhealthy' });
    expect(answer.message).toMatch(/remote backend unhealthy/);
    // It answers again once the backend runs.
    await externalBackend(services.api!.port);
    await untilServices(serve, 'api running', (l) => one(l, 'api').status === 'running');
  });
});

describe('a reload switches remote mode on the default stack', () => {
  it('off: the embedded PostgreSQL and the backend stop; on: both come back, the data kept', async () => {
    const { dir: dataDir, settings } = dataFolder('bsup-reload-remote-default-');
    const server: HeadlessServer = await startHeadless({ SUPERVISOR_DATA_DIR: dataDir });
    cleanups.push(async () => void (await server.stop()));
    const bothRunning = (l: ServiceStatus[]): boolean => l.length === 2 && l.every((s) => s.status === 'running');
    const first = await untilServices(server, 'postgres and backend running', bothRunning, 60_000);
    const dbPid = one(first, 'postgres').pid!;
    const backendPid = one(first, 'backend').pid!;
    const order = await fetch(`http://127.0.0.1:${server.backendPort}/products`);
    expect(order.status).toBe(200);

    settings({ orchestratorEnabled: false });
    const off = await reloadApplied(server);
    // Nothing answers at the backend URL now: the watch says so, and the reload answers.
    expect(off.result?.success).toBe(false);
    expect(off.result?.message).toMatch(/remote backend unhealthy/);
    expect(off.needs_supervisor_restart).toEqual([]);
    expect(off.services).toEqual([
      { service: 'backend', action: 'restart', changes: ['orchestratorEnabled', 'environment', 'depends_on'] },
      { service: 'postgres', action: 'stop', changes: [] },
    ]);
    const list = await servicesOf(server);
    expect(list.map((s) => s.name)).toEqual(['backend']);
    expect(one(list, 'backend')).toMatchObject({ orchestrator_enabled: false, pid: null, depends_on: [] });
    expect(one(list, 'backend').status).toBe('unhealthy');
    await pollUntil(() => !aliveProcess(dbPid) && !aliveProcess(backendPid), 10_000, 25, 'both processes gone');

    settings({});
    const on = await reloadApplied(server);
    expect(on.services).toEqual([
      { service: 'postgres', action: 'start', changes: [] },
      { service: 'backend', action: 'restart', changes: ['orchestratorEnabled', 'environment', 'depends_on'] },
    ]);
    expect(on.result?.success, JSON.stringify(on.result)).toBe(true);
    const again = await untilServices(server, 'both running again', bothRunning, 60_000);
    expect(again.map((s) => s.name)).toEqual(['postgres', 'backend']);
    expect(one(again, 'backend').orchestrator_enabled).toBe(true);
    // The same database: the reference backend's admin still logs in on it.
    const login = await fetch(`http://127.0.0.1:${server.backendPort}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@example.com', password: 'correct-horse-battery' }),
    });
    expect(login.status).toBe(200);
  }, 180_000);
});

describe('the incident history across a switch to remote mode', () => {
  it('an incident raised while the reload stops the local processes is still written to the file', async () => {
    const { dir, settings } = dataFolder('bsup-reload-remote-incidents-');
    const marker = join(dir, 'crash-now');
    const ready = join(dir, 'slow-ignores-sigterm');
    const file = join(dir, 'stack.yaml');
    // `slow` ignores SIGTERM for its grace period and depends on `db`: the reload stops it first,
    // and `db` crashes meanwhile, still a local process.
    const services = {
      db: {
        command: [
          process.execPath,
          '-e',
          `setInterval(() => { if (require('fs').existsSync(${JSON.stringify(marker)})) process.exit(3); }, 20);`,
        ],
        restart: 'no',
      },
      slow: {
        command: [
          process.execPath,
          '-e',
          `process.on('SIGTERM', () => {}); require('fs').writeFileSync(${JSON.stringify(ready)}, ''); setInterval(() => {}, 1e6);`,
        ],
        depends_on: ['db'],
        stop_grace_period: 3,
      },
    };
    writeFileSync(file, JSON.stringify({ services }));
    const serve = await serveIn(dir, file);
    await untilServices(serve, 'both running', (l) => l.length === 2 && l.every((s) => s.status === 'running'));
    await pollUntil(() => existsSync(ready), 10_000, 25, 'slow ignoring SIGTERM');

    settings({ orchestratorEnabled: false });
    const reload = reloadApplied(serve);
    await untilServices(serve, 'slow stopping', (l) => one(l, 'slow').status === 'stopping');
    writeFileSync(marker, '');
    await pollUntil(
      async () => (await serverIncidents(serve)).some((i) => i.service === 'db' && i.kind === 'crash'),
      10_000,
      25,
      "db's crash recorded",
    );
    await reload;
    const onDisk = readFileSync(join(dir, 'incidents.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { service?: string; kind: string });
    expect(onDisk).toContainEqual(expect.objectContaining({ service: 'db', kind: 'crash' }));
  });
});

/** The incidents the supervisor holds (the `incidents:list` channel), newest first. */
async function serverIncidents(serve: ServeProcess): Promise<{ service?: string; kind: string }[]> {
  const res = await fetch(`${serve.url}/api/v1/rpc/incidents:list`, {
    method: 'POST',
    headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ args: [] }),
  });
  const answer = (await res.json()) as { ok: boolean; data: { service?: string; kind: string }[] };
  return answer.data;
}
