/**
 * Adversary tests of the in-place reload on a real `serve --stack` of real backends
 * (stamp-backend.mjs): SIGHUPs that land while a reload runs (the last file content must win,
 * one reload at a time, no queue), a storm of them, and a reload that adds a service
 * depending on one that never becomes healthy (its answer is bounded).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ReloadResult } from '../../src/shared/reload';
import type { ServiceStatus } from '../../src/shared/services';
import {
  fixtureStackText,
  livePids,
  servicesOf,
  spawnServe,
  spawnsOf,
  startServe,
  untilServices,
  writeFixtureStack,
  type ServeProcess,
  type ServiceSpec,
  endServe,
  postReload,
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

const allRunning = (names: string[]) => (list: ServiceStatus[]) =>
  names.every((n) => list.find((s) => s.name === n)?.status === 'running') && list.length === names.length;

/**
 * Writes `specs` to `file` atomically (a temporary file renamed over it), keeping each
 * service's port from `ports`.
 */
async function rewrite(file: string, dir: string, specs: Record<string, ServiceSpec>, ports: Record<string, number>) {
  const { text, services } = await fixtureStackText(dir, specs);
  let fixed = text;
  for (const [name, service] of Object.entries(services)) {
    const port = ports[name];
    if (port === undefined) continue;
    fixed = fixed.replaceAll(`"PORT": "${service.port}"`, `"PORT": "${port}"`);
    fixed = fixed.replaceAll(`127.0.0.1:${service.port}/`, `127.0.0.1:${port}/`);
  }
  writeFileSync(`${file}.tmp`, fixed);
  renameSync(`${file}.tmp`, file);
}

/** Polls until a dry run says the running stack is the file's (every service unchanged); returns the last plan. */
async function untilApplied(serve: ServeProcess, timeoutMs = 30_000): Promise<ReloadResult> {
  let last: ReloadResult | null = null;
  await pollUntil(
    async () => {
      const { status, body } = await postReload(serve, true);
      if (status !== 200) return false;
      last = body as unknown as ReloadResult;
      return last.services.every((s) => s.action === 'unchanged');
    },
    timeoutMs,
    100,
    'the running stack to be the file',
  ).catch((err: Error) => {
    throw new Error(
      `${err.message}: ${JSON.stringify(last?.services)}\n${serve.stdout().slice(-3000)}\n${serve.stderr()}`,
    );
  });
  return last!;
}

describe('SIGHUP while a reload runs', () => {
  it('a second SIGHUP during a reload that restarts a service is carried out after it: the last file wins', async () => {
    const { file, dir, services } = await writeFixtureStack({ backend: {} });
    const ports = { backend: services.backend!.port };
    const serve = track(await startServe(file));
    await untilServices(serve, 'running', allRunning(['backend']));
    // The restarted backend is healthy only 1.5 s after it listens: the first reload lasts that long.
    await rewrite(file, dir, { backend: { env: { GREETING: 'first', READY_AFTER_MS: '1500' } } }, ports);
    serve.process.kill('SIGHUP');
    await pollUntil(() => spawnsOf(services.backend!).length === 2, 15_000, 10, 'the first reload restarted it');
    // The first reload has read the file: this content comes after its read.
    await rewrite(file, dir, { backend: { env: { GREETING: 'last' } } }, ports);
    serve.process.kill('SIGHUP');
    serve.process.kill('SIGHUP');
    await untilApplied(serve);
    await untilServices(serve, 'running', allRunning(['backend']));
    expect(spawnsOf(services.backend!)).toHaveLength(3);
    expect(livePids(services.backend!)).toHaveLength(1);
    expect(serve.stderr()).not.toContain('RELOAD_IN_PROGRESS');
    expect(serve.process.exitCode).toBeNull();
  });

  it('a storm of 100 SIGHUPs in about a second, the file changing before each: the last content wins, no reload queue', async () => {
    const { file, dir, services } = await writeFixtureStack({ backend: {} });
    const ports = { backend: services.backend!.port };
    const serve = track(await startServe(file));
    await untilServices(serve, 'running', allRunning(['backend']));
    for (let i = 0; i < 100; i++) {
      await rewrite(file, dir, { backend: { env: { GREETING: `storm-${i}` } } }, ports);
      serve.process.kill('SIGHUP');
      // Pacing the storm over about a second (the attack's shape, not a wait for anything).
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await untilApplied(serve);
    await untilServices(serve, 'running', allRunning(['backend']));
    expect(livePids(services.backend!)).toHaveLength(1);
    // One reload at a time, at most one waiting: far fewer reloads than signals.
    const reloads = serve
      .stdout()
      .split('\n')
      .filter((l) => l.includes('SIGHUP: reloading')).length;
    expect(reloads).toBeGreaterThan(0);
    expect(reloads).toBeLessThan(100);
    expect(spawnsOf(services.backend!).length).toBeLessThan(100);
    expect(serve.stderr()).not.toContain('RELOAD_IN_PROGRESS');
    expect(serve.process.exitCode).toBeNull();
    serve.process.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(livePids(services.backend!)).toEqual([]);
  });
});

/** The read-only token serve is given in these tests. */
const READ_TOKEN = 'read-only-token-0123456789abcdef01234';

describe('who may reload', () => {
  it('only the control token, from no foreign Origin: the read-only token, no token and another site are refused, dry run too', async () => {
    const { file, dir, services } = await writeFixtureStack({ backend: {} });
    const serve = track(await startServe(file, { CONTROL_READ_TOKEN: READ_TOKEN }));
    await untilServices(serve, 'running', allRunning(['backend']));
    await rewrite(file, dir, { backend: { env: { GREETING: 'changed' } } }, { backend: services.backend!.port });
    const attempts: [string, Record<string, string>][] = [
      ['read-only token', { authorization: `Bearer ${READ_TOKEN}` }],
      ['no token', {}],
      ['a wrong token', { authorization: `Bearer ${serve.token}x` }],
      ['another site', { authorization: `Bearer ${serve.token}`, origin: 'https://evil.example' }],
      ['another site (null)', { authorization: `Bearer ${serve.token}`, origin: 'null' }],
    ];
    for (const path of ['/api/v1/config/reload', '/api/v1/config/reload?dryRun=1', '/api/v1/rpc/config:reload']) {
      for (const [who, headers] of attempts) {
        const res = await fetch(`${serve.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: path.includes('rpc') ? '[{"dryRun":true}]' : '{}',
        });
        expect([401, 403], `${who} on ${path}: ${res.status}`).toContain(res.status);
        const text = await res.text();
        // Neither the plan nor the file's content leaks to a refused caller.
        expect(text, `${who} on ${path}`).not.toContain('GREETING');
        expect(text).not.toContain('services');
      }
    }
    expect(spawnsOf(services.backend!)).toHaveLength(1);
    // The control token itself is let through (the dry run sees the change, nothing applied).
    const allowed = await postReload(serve, true);
    expect(allowed.status).toBe(200);
    expect((allowed.body as unknown as ReloadResult).services).toEqual([
      { service: 'backend', action: 'restart', changes: ['environment'] },
    ]);
    expect(spawnsOf(services.backend!)).toHaveLength(1);
  });
});

describe('a reload adding a service whose dependency never becomes healthy', () => {
  it('answers within the startup timeout (bounded), the others keep their pid, and the next reload is not blocked', async () => {
    const { file, dir, services } = await writeFixtureStack({ backend: {} });
    const ports = { backend: services.backend!.port };
    const serve = track(await startServe(file));
    const before = await untilServices(serve, 'running', allRunning(['backend']));
    await rewrite(
      file,
      dir,
      {
        backend: {},
        sick: { env: { HEALTH_STATUS: '500' }, health: { startup_timeout: 2 }, restart: 'no' },
        worker: { depends_on: { sick: { condition: 'service_healthy' } } },
      },
      ports,
    );
    const startedAt = Date.now();
    const answer = await postReload(serve);
    const tookMs = Date.now() - startedAt;
    expect(answer.status).not.toBe(409);
    const result = answer.body as unknown as ReloadResult;
    expect(result.services.map((s) => [s.service, s.action])).toEqual([
      ['backend', 'unchanged'],
      ['sick', 'start'],
      ['worker', 'start'],
    ]);
    expect(result.result?.success).toBe(false);
    // Generous: the machine is shared; the point is that it answers at all.
    expect(tookMs).toBeLessThan(60_000);
    const after = await servicesOf(serve);
    expect(after.find((s) => s.name === 'backend')?.pid).toBe(before.find((s) => s.name === 'backend')?.pid);
    expect(after.find((s) => s.name === 'worker')?.status).not.toBe('running');
    const again = await postReload(serve, true);
    expect(again.status).toBe(200);
  });
});

/** POSTs a service command (`stop`, `start`, `restart`) as a person would. */
async function command(serve: ServeProcess, name: string, verb: string): Promise<number> {
  const res = await fetch(`${serve.url}/api/v1/services/${name}/${verb}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${serve.token}` },
  });
  await res.arrayBuffer();
  return res.status;
}

/** The environment a live process was spawned with (Linux /proc). */
function environOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
}

describe('a reload racing a person and the restart policy', () => {
  it("a person's stop during a reload that restarts the service wins: stopped, no process, and the next reload leaves it stopped", async () => {
    const { file, dir, services } = await writeFixtureStack({ backend: {} });
    const ports = { backend: services.backend!.port };
    const serve = track(await startServe(file));
    await untilServices(serve, 'running', allRunning(['backend']));
    await rewrite(file, dir, { backend: { env: { GREETING: 'slow', READY_AFTER_MS: '1500' } } }, ports);
    const first = postReload(serve);
    await pollUntil(() => spawnsOf(services.backend!).length === 2, 15_000, 10, 'the reload restarted it');
    expect(await command(serve, 'backend', 'stop')).toBeLessThan(500);
    await first;
    const after = await untilServices(serve, 'stopped', (list) => list[0]?.status === 'stopped');
    expect(after[0]?.pid).toBeNull();
    await pollUntil(() => livePids(services.backend!).length === 0, 15_000, 25, 'no backend process');
    // A later reload with another change keeps a person's stop.
    await rewrite(file, dir, { backend: { env: { GREETING: 'later' } } }, ports);
    const dry = await postReload(serve, true);
    expect(dry.body.services).toEqual([{ service: 'backend', action: 'update', changes: ['environment'] }]);
    const later = await postReload(serve);
    expect(later.status).toBe(200);
    // Said as it was done: its new settings applied in place for its next start, not "restarted".
    expect(later.body.services).toEqual([{ service: 'backend', action: 'update', changes: ['environment'] }]);
    expect((await servicesOf(serve))[0]?.status).toBe('stopped');
    expect(livePids(services.backend!)).toEqual([]);
    expect(spawnsOf(services.backend!)).toHaveLength(2);
  });

  it('a reload while the service waits out its restart delay after a crash: it runs the new environment, once', async () => {
    const { file, dir, services } = await writeFixtureStack({
      backend: {
        env: { CRASH_AFTER_MS: '300' },
        restart: { policy: 'always', max_attempts: 5, delay: 4, max_delay: 5 },
      },
    });
    const ports = { backend: services.backend!.port };
    const serve = track(await startServe(file));
    await untilServices(serve, 'in its backoff', (list) => list[0]?.status === 'backoff', 20_000);
    const crashed = spawnsOf(services.backend!).length;
    await rewrite(
      file,
      dir,
      {
        backend: { env: { GREETING: 'fixed' }, restart: { policy: 'always', max_attempts: 5, delay: 4, max_delay: 5 } },
      },
      ports,
    );
    const answer = await postReload(serve);
    expect(answer.status).toBe(200);
    await untilApplied(serve);
    const running = await untilServices(serve, 'running', allRunning(['backend']), 20_000);
    const pid = running[0]!.pid!;
    expect(environOf(pid)).toContain('GREETING=fixed');
    expect(environOf(pid).some((v) => v.startsWith('CRASH_AFTER_MS='))).toBe(false);
    // One process, and it is the one the services list names (no second one from the backoff's timer).
    await pollUntil(() => livePids(services.backend!).length === 1, 15_000, 25, 'one process');
    expect(livePids(services.backend!)).toEqual([pid]);
    expect(spawnsOf(services.backend!).length).toBeLessThanOrEqual(crashed + 1);
  });
});

/** `POST /api/v1/rpc/config:reload` (as the Settings page calls it): the status and the envelope. */
async function rpcReload(
  serve: ServeProcess,
  options: Record<string, unknown>,
): Promise<{ status: number; ok: boolean; data?: ReloadResult; code?: string }> {
  const res = await fetch(`${serve.url}/api/v1/rpc/config:reload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ args: [options] }),
  });
  const body = (await res.json()) as { ok: boolean; data?: ReloadResult; error?: { code: string } };
  return { status: res.status, ok: body.ok, data: body.data, code: body.error?.code };
}

describe('the plan confirmed is the plan applied', () => {
  it('a file changed between the dry run and its Apply is refused (409 RELOAD_PLAN_CHANGED), nothing applied', async () => {
    const { file, dir, services } = await writeFixtureStack({ backend: {} });
    const ports = { backend: services.backend!.port };
    const serve = track(await startServe(file));
    await untilServices(serve, 'running', allRunning(['backend']));
    await rewrite(file, dir, { backend: { health: { interval: 0.3 } } }, ports);
    const shown = await rpcReload(serve, { dryRun: true });
    expect(shown.data?.services).toEqual([{ service: 'backend', action: 'update', changes: ['health.interval'] }]);
    // The same files give the same fingerprint.
    expect((await rpcReload(serve, { dryRun: true })).data?.fingerprint).toBe(shown.data?.fingerprint);
    // Someone else edits the file before the person confirms the probe-only plan: now it would restart.
    await rewrite(file, dir, { backend: { health: { interval: 0.3 }, env: { GREETING: 'unseen' } } }, ports);
    const refused = await rpcReload(serve, { expect: shown.data?.fingerprint });
    expect(refused.status).toBe(409);
    expect(refused.code).toBe('RELOAD_PLAN_CHANGED');
    // The REST route takes `expect` too (in the body, or the query).
    for (const [query, body] of [
      [`?expect=${shown.data?.fingerprint}`, undefined],
      ['', JSON.stringify({ expect: shown.data?.fingerprint })],
    ] as const) {
      const res = await fetch(`${serve.url}/api/v1/config/reload${query}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${serve.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body }),
      });
      expect(res.status).toBe(409);
      expect(((await res.json()) as { code?: string }).code).toBe('RELOAD_PLAN_CHANGED');
    }
    expect(spawnsOf(services.backend!)).toHaveLength(1);
    // The new plan, confirmed, applies.
    const again = await rpcReload(serve, { dryRun: true });
    expect(again.data?.services).toEqual([
      { service: 'backend', action: 'restart', changes: ['environment', 'health.interval'] },
    ]);
    const applied = await rpcReload(serve, { expect: again.data?.fingerprint });
    expect(applied.status).toBe(200);
    expect(applied.data?.applied).toBe(true);
    await untilApplied(serve);
    expect(spawnsOf(services.backend!)).toHaveLength(2);
  });
});

describe('a reload during a hung health probe', () => {
  it('a probe-only change answers without waiting out the hung probe and keeps the pid', async () => {
    const { file, dir, services } = await writeFixtureStack({
      backend: { env: { HANG_AFTER_MS: '1000' }, health: { timeout: 30, retries: 3, interval: 0.2 } },
    });
    const ports = { backend: services.backend!.port };
    const serve = track(await startServe(file));
    const before = await untilServices(serve, 'running', allRunning(['backend']));
    // Past HANG_AFTER_MS a probe is under way and hangs (30 s timeout).
    await pollUntil(() => Date.now() - spawnsOf(services.backend!)[0]!.at > 2_000, 10_000, 50, 'the probe to hang');
    await rewrite(
      file,
      dir,
      {
        backend: {
          env: { HANG_AFTER_MS: '1000' },
          health: { timeout: 30, retries: 3, interval: 0.5 },
        },
      },
      ports,
    );
    const startedAt = Date.now();
    const answer = await postReload(serve);
    expect(answer.status).toBe(200);
    expect((answer.body as unknown as ReloadResult).services).toEqual([
      { service: 'backend', action: 'update', changes: ['health.interval'] },
    ]);
    // Well under the hung probe's 30 s timeout (generous for a shared machine).
    expect(Date.now() - startedAt).toBeLessThan(20_000);
    const after = await servicesOf(serve);
    expect(after[0]?.pid).toBe(before[0]?.pid);
    expect(spawnsOf(services.backend!)).toHaveLength(1);
  });
});

describe('a reload reshaping the stack', () => {
  it('renames a dependency (the old one removed, the new one started, the dependent keeps its process); refuses a cycle, a missing dependency and a removed primary', async () => {
    const { file, dir, services } = await writeFixtureStack({
      backend: { depends_on: { db: { condition: 'service_healthy' } } },
      db: {},
    });
    const serve = track(await startServe(file));
    const before = await untilServices(serve, 'all running', allRunning(['backend', 'db']));
    const port = services.backend!.port;
    const backendPid = before.find((s) => s.name === 'backend')?.pid;

    const refusedBy = async (specs: Record<string, ServiceSpec>, pattern: RegExp): Promise<void> => {
      await rewrite(file, dir, specs, { backend: port });
      for (const dryRun of [true, false]) {
        const { status, body } = await postReload(serve, dryRun);
        expect(status, JSON.stringify(body)).toBe(400);
        expect(body.code).toBe('STACK_FILE_INVALID');
        expect(String(body.error)).toMatch(pattern);
      }
    };
    // A cycle, a dependency on a service the file no longer has, the primary removed: nothing changes.
    await refusedBy(
      {
        backend: { depends_on: { db: { condition: 'service_healthy' } } },
        db: { depends_on: { backend: { condition: 'service_started' } } },
      },
      /cycle/i,
    );
    await refusedBy({ backend: { depends_on: { db: { condition: 'service_healthy' } } } }, /db/);
    await refusedBy({ db: {} }, /primary/);
    const still = await untilServices(serve, 'all running', allRunning(['backend', 'db']));
    expect(still.find((s) => s.name === 'backend')?.pid).toBe(backendPid);
    expect(spawnsOf(services.db!)).toHaveLength(1);

    // db renamed database: a new service, started; db stopped and removed; backend keeps its process.
    await rewrite(
      file,
      dir,
      { backend: { depends_on: { database: { condition: 'service_healthy' } } }, database: {} },
      { backend: port },
    );
    const renamed = await postReload(serve);
    expect(renamed.status).toBe(200);
    const result = renamed.body as unknown as ReloadResult;
    expect(result.services).toEqual([
      { service: 'backend', action: 'update', changes: ['depends_on'] },
      { service: 'database', action: 'start', changes: [] },
      { service: 'db', action: 'stop', changes: [] },
    ]);
    expect(result.result?.success).toBe(true);
    const after = await untilServices(serve, 'renamed', allRunning(['backend', 'database']));
    expect(after.find((s) => s.name === 'backend')?.pid).toBe(backendPid);
    expect(livePids(services.db!)).toEqual([]);
    expect(result.needs_supervisor_restart).toEqual([]);
  });
});

describe('a reload restarting a dependency', () => {
  it('restarts that service only: its service_healthy dependent keeps its process', async () => {
    const { file, dir, services } = await writeFixtureStack({
      backend: { depends_on: { db: { condition: 'service_healthy' } } },
      db: {},
    });
    const ports = { backend: services.backend!.port, db: services.db!.port };
    const serve = track(await startServe(file));
    const before = await untilServices(serve, 'all running', allRunning(['backend', 'db']));
    await rewrite(
      file,
      dir,
      { backend: { depends_on: { db: { condition: 'service_healthy' } } }, db: { env: { GREETING: 'new' } } },
      ports,
    );
    const answer = await postReload(serve);
    expect(answer.status).toBe(200);
    expect((answer.body as unknown as ReloadResult).services).toEqual([
      { service: 'backend', action: 'unchanged', changes: [] },
      { service: 'db', action: 'restart', changes: ['environment'] },
    ]);
    const after = await untilServices(serve, 'all running', allRunning(['backend', 'db']));
    expect(after.find((s) => s.name === 'db')?.pid).not.toBe(before.find((s) => s.name === 'db')?.pid);
    expect(after.find((s) => s.name === 'backend')?.pid).toBe(before.find((s) => s.name === 'backend')?.pid);
    expect(spawnsOf(services.backend!)).toHaveLength(1);
  });
});

/** True when process `pid` has a handler for `signal` (its SigCgt mask in /proc; SIGHUP is 1). */
function catches(pid: number, signal: 'SIGHUP'): boolean {
  const number = { SIGHUP: 1 }[signal];
  try {
    const mask = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return mask !== undefined && (BigInt(`0x${mask}`) & (1n << BigInt(number - 1))) !== 0n;
  } catch {
    return false;
  }
}

describe('SIGHUP at the edges of the run', () => {
  it('while the entry is still loading (held 1.5 s by a module hook): ignored, serve starts', async () => {
    const { file, dir, services } = await writeFixtureStack({ backend: {} });
    const mark = join(dir, 'loading');
    const hooks = join(dir, 'hooks.mjs');
    writeFileSync(
      hooks,
      [
        "import { writeFileSync } from 'node:fs';",
        'export async function load(url, context, next) {',
        "  if (url.endsWith('/out/node/headless.js')) {",
        `    writeFileSync(${JSON.stringify(mark)}, 'loading');`,
        '    await new Promise((resolve) => setTimeout(resolve, 1500));',
        '  }',
        '  return next(url, context);',
        '}',
      ].join('\n'),
    );
    const register = join(dir, 'register.mjs');
    writeFileSync(
      register,
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
    );
    const serve = track(await spawnServe(file, { NODE_OPTIONS: `--import ${pathToFileURL(register).href}` }));
    await pollUntil(() => existsSync(mark) || serve.process.exitCode !== null, 20_000, 5, 'the entry loading');
    serve.process.kill('SIGHUP');
    await pollUntil(
      () => serve.stdout().includes('backend-supervisor: dashboard') || serve.process.signalCode !== null,
      20_000,
      25,
      'the dashboard line',
    ).catch((err: Error) => {
      throw new Error(`${err.message}:\n${serve.stdout()}\n${serve.stderr()}`);
    });
    expect(serve.process.signalCode).toBeNull();
    await untilServices(serve, 'running', allRunning(['backend']));
    expect(spawnsOf(services.backend!)).toHaveLength(1);
  });

  it('during the start-up serve goes on and starts; during the stop it reloads nothing and exits 0', async () => {
    const { file, services } = await writeFixtureStack({ backend: { env: { READY_AFTER_MS: '1000' } } });
    const serve = track(await spawnServe(file));
    // SIGHUPs from the moment it catches them (Node's own start-up, before any of its code
    // runs, cannot) until the stack runs: the entry loading, the files read, services starting.
    await pollUntil(
      () => catches(serve.process.pid!, 'SIGHUP') || serve.process.exitCode !== null,
      20_000,
      1,
      'a handler',
    );
    const deadline = Date.now() + 30_000;
    while (!serve.stdout().includes('backend-supervisor: dashboard') && serve.process.exitCode === null) {
      if (Date.now() > deadline || serve.process.signalCode !== null) {
        throw new Error(`no dashboard line (${serve.process.signalCode}):\n${serve.stdout()}\n${serve.stderr()}`);
      }
      serve.process.kill('SIGHUP');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(serve.process.exitCode, `${serve.stdout()}\n${serve.stderr()}`).toBeNull();
    await untilServices(serve, 'running', allRunning(['backend']));
    expect(spawnsOf(services.backend!)).toHaveLength(1);
    serve.process.kill('SIGTERM');
    serve.process.kill('SIGHUP');
    serve.process.kill('SIGHUP');
    expect(await serve.exited).toBe(0);
    expect(livePids(services.backend!)).toEqual([]);
    const afterStop = serve.stdout().slice(serve.stdout().indexOf('SIGTERM: stopping'));
    expect(afterStop).not.toContain('SIGHUP: reloading');
  });
});
