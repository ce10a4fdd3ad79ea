/**
 * Reliability 30 (issue 12 item 4), through `serve --stack` as a person runs it: the embedded
 * PostgreSQL's postmaster killed with SIGKILL while the reference backend writes orders → the
 * stack recovers by itself (the backend is held, PostgreSQL replays its WAL, the backend runs
 * again) and every order whose creation was answered 2xx is still there, also after a whole
 * stop and start of the supervisor. Needs `npm run build` (out/reference-backend/server.js).
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { postgresServiceDefinition } from '../../src/main/core/postgres/postgres-service';
import { userIdsOf } from '../../src/main/core/stack/service-user';
import type { ServiceStatus } from '../../src/shared/services';
import { aliveProcess, cmdline, processesWhere } from '../helpers/proc';
import { SERVE_TOKEN, servicesOf, startServe, untilServices, type ServeProcess } from '../helpers/stack';
import { freePort, pollUntil, tempDir, testConfig } from '../helpers/supervise';

const SERVER = join(import.meta.dirname, '..', '..', 'out', 'reference-backend', 'server.js');
const ADMIN = { email: 'admin@recovery.test', password: 'admin-password-0123456789' };
const USER = { email: 'writer@recovery.test', password: 'writer-password-0123456789', name: 'Writer' };

/** Order creations in flight at once while the postmaster is killed. */
const WRITERS = 4;
/** Orders answered 201 before the kill (the writes must be well under way). */
const ACKED_BEFORE_KILL = 20;
/** Bounds of the write loop: it stops by itself whatever happens. */
const MAX_WRITES = 5_000;
const WRITE_LOOP_MS = 150_000;
/** Generous: the machine is shared and slow; the recovery itself takes a second or two. */
const RECOVERY_DEADLINE_MS = 90_000;
/**
 * Bound of the long statement in flight at the kill: a CPU-bound loop that never waits, so
 * its server process does not see its postmaster die and lives on until this timeout.
 */
const LONG_STATEMENT_TIMEOUT_S = 120;

const serves: ServeProcess[] = [];
afterEach(async () => {
  for (const serve of serves.splice(0)) {
    if (serve.process.exitCode === null && serve.process.signalCode === null) {
      serve.process.kill('SIGTERM');
      await serve.exited;
    }
  }
});
const folders: string[] = [];
/** Clusters of this file: whatever a failed run left of them is killed at the end (no strays). */
const clusters: string[] = [];
afterAll(() => {
  for (const dir of clusters) for (const pid of processesIn(dir)) process.kill(pid, 'SIGKILL');
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** Live processes whose working directory is `dir` (PostgreSQL's postmaster and every child chdir to the cluster). */
function processesIn(dir: string): number[] {
  return processesWhere((pid) => {
    try {
      return readlinkSync(`/proc/${pid}/cwd`) === dir;
    } catch {
      return false; // gone meanwhile
    }
  });
}

/** Live reference backends started with `dataDir` as their DATA_DIR. */
function backendsOf(dataDir: string): number[] {
  return processesWhere((pid) => {
    if (!cmdline(pid).includes(SERVER)) return false;
    try {
      return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`DATA_DIR=${dataDir}`);
    } catch {
      return false;
    }
  });
}

/**
 * Starts a statement that never waits (so its server process never sees its postmaster die)
 * on `url`, bounded by {@link LONG_STATEMENT_TIMEOUT_S}; resolves once it runs, with its
 * server's pid, its outcome (the error's message once its server is gone) and the client.
 */
async function longStatement(url: string): Promise<{ pid: number; outcome: Promise<string>; client: pg.Client }> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined); // its server goes away: expected
  await client.connect();
  await client.query(`SET statement_timeout = '${LONG_STATEMENT_TIMEOUT_S}s'`);
  const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  const outcome = client.query('DO $$ BEGIN LOOP PERFORM 1; END LOOP; END $$').then(
    () => 'finished',
    (err: Error) => err.message,
  );
  await pollUntil(
    () => readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') R '),
    10_000,
    10,
    'the long statement running',
  );
  return { pid, outcome, client };
}

/** A state change as the event stream sends it, with the test's clock (performance.now()) when it came. */
interface SeenState {
  service: string;
  from: string;
  to: string;
  reason: string;
  pid: number | null;
  at: number;
}

/** Follows `GET /api/v1/events` of `serve`, collecting its `backend:state` events; returns a closer. */
async function followStates(serve: ServeProcess, into: SeenState[]): Promise<() => void> {
  const abort = new AbortController();
  const res = await fetch(`${serve.url}/api/v1/events`, {
    headers: { authorization: `Bearer ${SERVE_TOKEN}` },
    signal: abort.signal,
  });
  expect(res.status).toBe(200);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!/^event: backend:state$/m.test(block)) continue;
        const data = JSON.parse(/^data: (.+)$/m.exec(block)?.[1] ?? 'null') as {
          service?: string;
          from: string;
          to: string;
          reason: string;
          status: { pid: number | null };
        };
        into.push({
          service: data.service ?? 'backend',
          from: data.from,
          to: data.to,
          reason: data.reason,
          pid: data.status.pid,
          at: performance.now(),
        });
      }
    }
  })().catch(() => undefined); // aborted at the end
  return () => abort.abort();
}

/** The supervisor's on-disk log of one service: the text of each line (`<data>/logs/<name>.log`, JSON lines). */
function serviceLog(dataDir: string, name: string): string {
  const file = join(dataDir, 'logs', `${name}.log`);
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      try {
        return String((JSON.parse(line) as { text?: unknown }).text ?? line);
      } catch {
        return line;
      }
    })
    .join('\n');
}

/** The reference backend's REST API on `base`. */
function backendApi(base: string) {
  const call = async (
    method: string,
    path: string,
    token: string | null,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
  };
  return {
    call,
    async login(who: { email: string; password: string }): Promise<string> {
      const res = await call('POST', '/auth/login', null, who);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return (res.body as { token: string }).token;
    },
    /** Every order's id and total, as the admin sees them (GET /admin/orders, paged). */
    async allOrders(adminToken: string): Promise<Map<number, number>> {
      const orders = new Map<number, number>();
      for (let offset = 0; ; offset += 500) {
        const page = await call('GET', `/admin/orders?limit=500&offset=${offset}`, adminToken);
        expect(page.status).toBe(200);
        const list = page.body as { id: number; total: number }[];
        for (const o of list) orders.set(o.id, o.total);
        if (list.length < 500) return orders;
      }
    },
  };
}

describe('reliability 30: the postmaster killed while the backend writes', () => {
  it('recovers by itself (WAL replayed), loses no committed order, and keeps them over a restart of serve', async () => {
    expect(existsSync(SERVER), 'run npm run build first').toBe(true);
    const [pgPort, httpPort] = [await freePort(), await freePort()];
    // As root PostgreSQL runs as `backend-supervisor`, who must pass through every folder above its cluster.
    const folder = tempDir('bsup-pg-recovery-');
    folders.push(folder);
    chmodSync(folder, 0o711);
    const pgDir = join(folder, 'db');
    const clusterDir = join(pgDir, 'postgres');
    clusters.push(clusterDir);
    const backendData = join(folder, 'backend-data');
    const supervisorData = join(folder, 'supervisor');
    mkdirSync(supervisorData, { mode: 0o700 });
    const file = join(folder, 'stack.yaml');
    writeFileSync(
      file,
      [
        'services:',
        '  db:',
        '    kind: postgres',
        `    port: ${pgPort}`,
        `    data_dir: ${JSON.stringify(pgDir)}`,
        '  backend:',
        `    command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(SERVER)}]`,
        '    environment:',
        `      PORT: ${httpPort}`,
        '      HOST: 127.0.0.1',
        `      DATA_DIR: ${JSON.stringify(backendData)}`,
        `      ADMIN_EMAIL: ${ADMIN.email}`,
        `      ADMIN_PASSWORD: ${ADMIN.password}`,
        '    health:',
        `      http: http://127.0.0.1:${httpPort}/health`,
        '      interval: 1',
        '      startup_timeout: 60',
        '    depends_on:',
        '      db: {condition: service_healthy}',
        '',
      ].join('\n'),
    );
    const env = { SUPERVISOR_DATA_DIR: supervisorData };
    const bothRunning = (list: ServiceStatus[]): boolean => list.every((s) => s.status === 'running');
    const api = backendApi(`http://127.0.0.1:${httpPort}`);

    // ---- The stack up; an admin, a user, a first order.
    const serve = await startServe(file, env);
    serves.push(serve);
    const states: SeenState[] = [];
    const closeStates = await followStates(serve, states);
    const before = await untilServices(serve, 'db and backend running', bothRunning, RECOVERY_DEADLINE_MS);
    const adminToken = await api.login(ADMIN);
    const registered = await api.call('POST', '/auth/register', null, USER);
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    const userToken = (registered.body as { token: string }).token;
    const products = (await api.call('GET', '/products', null)).body as { id: number; available: boolean }[];
    const product = products.find((p) => p.available);
    expect(product).toBeDefined();
    const newOrder = (comment: string): unknown => ({ items: [{ product_id: product!.id, quantity: 2 }], comment });
    const first = await api.call('POST', '/orders', userToken, newOrder('first'));
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const firstOrder = first.body as { id: number; total: number };

    // ---- Writers: order creations back to back, each 201 kept with its id and total.
    const acked = new Map<number, number>([[firstOrder.id, firstOrder.total]]);
    let inFlight = 0;
    let writes = 0;
    let failures = 0;
    let stopWriting = false;
    const loopDeadline = Date.now() + WRITE_LOOP_MS;
    const writer = async (n: number): Promise<void> => {
      while (!stopWriting && writes < MAX_WRITES && Date.now() < loopDeadline) {
        writes++;
        inFlight++;
        try {
          const res = await api.call('POST', '/orders', userToken, newOrder(`writer ${n} #${writes}`));
          if (res.status === 201) {
            const o = res.body as { id: number; total: number };
            acked.set(o.id, o.total);
          } else failures++;
        } catch {
          failures++; // refused or cut while the backend is down
          await new Promise((r) => setTimeout(r, 50)); // no busy loop against a closed port
        } finally {
          inFlight--;
        }
      }
    };
    const writing = Promise.all(Array.from({ length: WRITERS }, (_, n) => writer(n)));

    // A long statement in flight too (as a report query would be), on the application's role.
    const appPassword = readFileSync(join(pgDir, 'postgres-app-password'), 'utf8').trim();
    const long = await longStatement(`postgres://app:${appPassword}@127.0.0.1:${pgPort}/app`);

    await pollUntil(() => acked.size > ACKED_BEFORE_KILL, 60_000, 10, `${ACKED_BEFORE_KILL} orders written`);
    const dbBefore = before.find((s) => s.name === 'db')!;
    const backendBefore = before.find((s) => s.name === 'backend')!;
    const postmaster = (await servicesOf(serve)).find((s) => s.name === 'db')!.pid!;
    expect(postmaster).toBe(dbBefore.pid);
    const inFlightAtKill = inFlight;
    const ackedAtKill = acked.size;
    const stateIndexAtKill = states.length;
    process.kill(postmaster, 'SIGKILL');
    const killedAt = performance.now();

    // ---- It recovers with no command: a new postmaster, then a new backend, both running.
    const after = await untilServices(
      serve,
      'db and backend running again, each a new process',
      (list) =>
        bothRunning(list) &&
        list.find((s) => s.name === 'db')!.pid !== postmaster &&
        list.find((s) => s.name === 'backend')!.pid !== backendBefore.pid,
      RECOVERY_DEADLINE_MS,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- db.log, its end:\n${serviceLog(supervisorData, 'db').slice(-2_000)}`);
    });
    // The old postmaster's busy server process is gone too (it held the old shared memory).
    expect(aliveProcess(long.pid)).toBe(false);
    const dbAfter = after.find((s) => s.name === 'db')!;
    const backendAfter = after.find((s) => s.name === 'backend')!;
    // Writes go through again, then the writers stop.
    const ackedAtRecovery = acked.size;
    await pollUntil(() => acked.size >= ackedAtRecovery + 10, 60_000, 10, 'orders written after the recovery');
    stopWriting = true;
    await writing;
    closeStates();
    // Its server process went with the old postmaster.
    expect(await long.outcome).not.toBe('finished');
    await long.client.end().catch(() => undefined);

    const since = states.slice(stateIndexAtKill);
    const dbRunningAt = since.find((e) => e.service === 'db' && e.to === 'running' && e.pid === dbAfter.pid)?.at;
    const backendRunningAt = since.find(
      (e) => e.service === 'backend' && e.to === 'running' && e.pid === backendAfter.pid,
    )?.at;
    expect(dbRunningAt).toBeDefined();
    expect(backendRunningAt).toBeDefined();
    // The backend was held while its database was down (not counted as its own failure), and
    // came back only once the database was running.
    const path = (service: string): string[] => since.filter((e) => e.service === service).map((e) => e.to);
    expect(path('backend')).toContain('waiting');
    expect(path('db')[0]).toBe('backoff');
    expect(backendRunningAt!).toBeGreaterThan(dbRunningAt!);
    expect(backendAfter.restart_count).toBe(backendBefore.restart_count);

    // PostgreSQL found a crashed cluster and replayed its WAL (crash recovery, not a clean start).
    const dbLog = serviceLog(supervisorData, 'db');
    expect(dbLog).toMatch(/database system was interrupted|database system was not properly shut down/);
    expect(dbLog).toMatch(/redo starts at|redo done at|automatic recovery in progress/);

    // ---- Nothing committed is lost: every order answered 201 is there, with its total.
    const orders = await api.allOrders(adminToken);
    const missing = [...acked.keys()].filter((id) => !orders.has(id));
    expect(missing).toEqual([]);
    for (const [id, total] of acked) expect({ id, total: orders.get(id) }).toEqual({ id, total });
    expect(orders.get(firstOrder.id)).toBe(firstOrder.total);

    // ---- A whole stop and start of the supervisor: a clean shutdown, the same cluster, the orders.
    serve.process.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(processesIn(clusterDir)).toEqual([]);
    expect(backendsOf(backendData)).toEqual([]);
    expect(existsSync(join(clusterDir, 'postmaster.pid'))).toBe(false);

    const again = await startServe(file, env);
    serves.push(again);
    await untilServices(again, 'db and backend running after a restart of serve', bothRunning, RECOVERY_DEADLINE_MS);
    // That start found a cleanly shut down cluster: serve's SIGTERM was PostgreSQL's fast shutdown.
    const startLines = serviceLog(supervisorData, 'db')
      .split('\n')
      .filter((l) => l.includes('database system was '));
    expect(startLines.at(-1)).toMatch(/database system was shut down at/);
    const adminAgain = await api.login(ADMIN);
    const ordersAgain = await api.allOrders(adminAgain);
    expect([...acked.keys()].filter((id) => !ordersAgain.has(id))).toEqual([]);
    expect(ordersAgain.get(firstOrder.id)).toBe(firstOrder.total);
    expect(ordersAgain.size).toBe(orders.size);

    again.process.kill('SIGTERM');
    expect(await again.exited).toBe(0);
    // Nothing left running: no PostgreSQL process of this cluster, no backend of this stack.
    expect(processesIn(clusterDir)).toEqual([]);
    expect(backendsOf(backendData)).toEqual([]);

    console.log(
      `reliability 30: SIGKILL of postmaster ${postmaster} with ${inFlightAtKill} order creations in flight and ${ackedAtKill} acknowledged; ` +
        `kill → db running ${Math.round(dbRunningAt! - killedAt)} ms, kill → backend running ${Math.round(backendRunningAt! - killedAt)} ms; ` +
        `${acked.size} orders acknowledged in all (${writes} creations, ${failures} failed while down), all ${acked.size} there after the recovery and after a restart of serve`,
    );
    expect(inFlightAtKill).toBeGreaterThan(0);
  }, 300_000);

  it('a start leaves a live server alone, and kills what a postmaster killed left busy on its cluster', async () => {
    const folder = tempDir('bsup-pg-leftover-');
    folders.push(folder);
    chmodSync(folder, 0o711);
    const service = postgresServiceDefinition(
      'db',
      { port: await freePort(), data_dir: join(folder, 'db') },
      testConfig(1, { dataDir: folder }),
    );
    clusters.push(service.layout.clusterDir);
    expect((await service.prepare()).action).toBe('initialised');
    const { config, user, health } = service.definition;
    const url = health.kind === 'postgres' ? health.url : '';
    const ids = user === null ? null : userIdsOf(user);
    /** The server as its supervisor runs it; resolves with its exit once it is gone. */
    const startServer = async (): Promise<{ pid: number; exited: Promise<unknown> }> => {
      const child = spawn(config.command, config.args, {
        cwd: config.workingDir,
        env: { ...process.env, ...config.env },
        stdio: 'ignore',
        ...(ids ? { uid: ids.uid, gid: ids.gid } : {}),
      });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await pollUntil(
        async () => {
          const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
          client.on('error', () => undefined);
          try {
            await client.connect();
            await client.query('SELECT 1');
            return true;
          } catch {
            return child.exitCode !== null; // gone: stop polling, the check below says so
          } finally {
            await client.end().catch(() => undefined);
          }
        },
        30_000,
        50,
        'SELECT 1',
      );
      expect(child.exitCode, 'the server exited at its start').toBeNull();
      return { pid: child.pid!, exited };
    };

    const server = await startServer();
    const long = await longStatement(url);
    const serverProcesses = processesIn(service.layout.clusterDir);
    expect(serverProcesses).toContain(server.pid);
    expect(serverProcesses).toContain(long.pid);
    // A prepare while a postmaster runs on the cluster touches none of its processes.
    await service.prepare();
    expect(serverProcesses.filter((pid) => !aliveProcess(pid))).toEqual([]);

    // The postmaster killed: its busy child lives on (its own session; it never looks).
    process.kill(server.pid, 'SIGKILL');
    await server.exited;
    expect(aliveProcess(long.pid)).toBe(true);
    // The next start's prepare kills it, so the new server gets the cluster.
    await service.prepare();
    expect(aliveProcess(long.pid)).toBe(false);
    expect(processesIn(service.layout.clusterDir)).toEqual([]);
    expect(await long.outcome).not.toBe('finished');
    await long.client.end().catch(() => undefined);
    const again = await startServer();
    process.kill(again.pid, 'SIGINT'); // fast shutdown
    await again.exited;
    expect(processesIn(service.layout.clusterDir)).toEqual([]);
  }, 120_000);
});
