import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/reference-backend/app';
import type { ErrorBody } from '../../src/reference-backend/errors';
import { ConfigError, loadConfig, redactDatabaseUrl, type BackendConfig } from '../../src/reference-backend/config';
import type { AppContext } from '../../src/reference-backend/context';
import type { Db } from '../../src/reference-backend/db';
import { SEED_PRODUCTS } from '../../src/reference-backend/seed';
import { startServer, type RunningServer } from '../../src/reference-backend/server';
import { TokenService } from '../../src/reference-backend/tokens';
import {
  type BackendProcess,
  buildReferenceBackend,
  exitWithin,
  freePort,
  spawnBackend,
  waitForHealthy,
} from '../helpers/ref-backend-process';
import { useEmbeddedPostgres } from '../helpers/embedded-pg';
import { createTestDatabase, postgresTarget } from '../helpers/ref-backend-pg';

const ADMIN_EMAIL = 'admin@example.com';
const ADMIN_PASSWORD = 'correct horse battery staple';
const INSTANCE_ID = 'test-instance-42';
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function expectErrorBody(body: unknown, code: string): void {
  expect(body).toEqual({ error: expect.any(String), code, timestamp: expect.stringMatching(RFC3339) });
  expect((body as { error: string }).error.length).toBeGreaterThan(0);
}

const tempDirs: string[] = [];
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** One embedded PostgreSQL for the file; each describe block takes a fresh database on it. */
const postgres = useEmbeddedPostgres();

describe('reference backend in-process (a fresh database on the embedded PostgreSQL)', () => {
  let server: RunningServer;
  let dataDir: string;
  const out: string[] = [];
  const err: string[] = [];

  beforeAll(async () => {
    dataDir = await tempDir('ref-backend-data-');
    const db = await createTestDatabase(postgres().url);
    const config: BackendConfig = {
      port: 0,
      host: '127.0.0.1',
      dataDir,
      adminEmail: ADMIN_EMAIL,
      adminPassword: ADMIN_PASSWORD,
      jwtSecret: undefined,
      instanceId: INSTANCE_ID,
      databaseUrl: db.url,
      demoUserPassword: 'demo user password',
    };
    server = await startServer(config, { log: (l) => out.push(l), logError: (l) => err.push(l) });
    await server.ready;
  }, 30_000);

  afterAll(async () => {
    await server?.close();
  });

  const get = (p: string, init?: RequestInit) => fetch(`${server.url}${p}`, init);
  const postJson = (p: string, body: string, headers: Record<string, string> = {}) =>
    get(p, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it('prints the listening line and, with ADMIN_PASSWORD given, no password', () => {
    expect(out).toContain(`listening on ${server.url}`);
    expect(out.join('\n')).toContain(`admin account created: email=${ADMIN_EMAIL} (password from ADMIN_PASSWORD)`);
    expect(out.join('\n')).not.toContain(ADMIN_PASSWORD);
    expect(err).toEqual([]);
  });

  it('stores a generated JWT secret with mode 0600', async () => {
    const s = await stat(path.join(dataDir, 'jwt-secret'));
    expect(s.mode & 0o777).toBe(0o600);
  });

  it('GET /health answers 200 with the contract shape and echoes the instance id', async () => {
    const res = await get('/health');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { uptime_secs: number };
    expect(body).toEqual({
      status: 'ok',
      version: expect.any(String),
      uptime_secs: expect.any(Number),
      checks: { database: 'ok' },
      instance_id: INSTANCE_ID,
    });
    expect(Number.isInteger(body.uptime_secs)).toBe(true);
    expect(body.uptime_secs).toBeGreaterThanOrEqual(0);
  });

  it('GET /health/live and /health/ready answer 200', async () => {
    expect((await get('/health/live')).status).toBe(200);
    const ready = await get('/health/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok' });
  });

  it('GET /products lists the seeded menu with X-Total-Count', async () => {
    const res = await get('/products');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-total-count')).toBe(String(SEED_PRODUCTS.length));
    const products = (await res.json()) as Record<string, unknown>[];
    expect(products).toHaveLength(SEED_PRODUCTS.length);
    for (const p of products) {
      expect(p).toEqual({
        id: expect.any(Number),
        name: expect.any(String),
        description: expect.any(String),
        price: expect.any(Number),
        category: expect.any(String),
        ingredients: expect.any(Array),
        available: expect.any(Boolean),
        image_url: null,
      });
    }
    const steak = products.find((p) => p['name'] === 'Ribeye Steak');
    expect(steak?.['price']).toBe(25.5);
    expect(steak?.['ingredients']).toContain('ribeye');
    expect(products.some((p) => p['available'] === false)).toBe(true);
  });

  it('GET /products pages with limit and offset, total stays the whole list', async () => {
    const all = (await (await get('/products')).json()) as { id: number }[];
    const res = await get('/products?limit=3&offset=2');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-total-count')).toBe(String(all.length));
    const page = (await res.json()) as { id: number }[];
    expect(page.map((p) => p.id)).toEqual(all.slice(2, 5).map((p) => p.id));

    const beyond = await get(`/products?offset=${all.length + 10}`);
    expect(await beyond.json()).toEqual([]);
  });

  it.each(['limit=0', 'limit=501', 'limit=abc', 'offset=-1', 'limit=1.5'])(
    'GET /products?%s answers 400 VALIDATION_FAILED',
    async (query) => {
      const res = await get(`/products?${query}`);
      expect(res.status).toBe(400);
      expectErrorBody(await res.json(), 'VALIDATION_FAILED');
    },
  );

  it('POST /auth/login gives a JWT whose payload has the admin role', async () => {
    // Upper case on purpose: e-mails compare case-insensitively.
    const res = await postJson('/auth/login', JSON.stringify({ email: 'Admin@Example.com', password: ADMIN_PASSWORD }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; user: { id: string } };
    expect(body.user).toEqual({
      id: expect.any(String),
      email: ADMIN_EMAIL,
      name: expect.any(String),
      role: 'admin',
      created_at: expect.stringMatching(RFC3339),
    });
    const payload = decodeJwt(body.token);
    expect(payload['role']).toBe('admin');
    expect(payload.sub).toBe(body.user.id);
    expect(payload.exp).toBeGreaterThan(Date.now() / 1000);

    // The token works for a Bearer route and for /auth/verify.
    const profile = await get('/user/profile', { headers: { authorization: `Bearer ${body.token}` } });
    expect(profile.status).toBe(200);
    expect(await profile.json()).toEqual(body.user);
    const verify = await postJson('/auth/verify', JSON.stringify({ token: body.token }));
    expect(await verify.json()).toEqual({
      valid: true,
      user_id: body.user.id,
      role: 'admin',
      expires_at: expect.stringMatching(RFC3339),
    });
  });

  it('POST /auth/login with a wrong password or unknown e-mail answers 401 UNAUTHORIZED', async () => {
    const wrong = await postJson('/auth/login', JSON.stringify({ email: ADMIN_EMAIL, password: 'not the password' }));
    expect(wrong.status).toBe(401);
    const wrongBody = (await wrong.json()) as ErrorBody;
    expectErrorBody(wrongBody, 'UNAUTHORIZED');

    const unknown = await postJson('/auth/login', JSON.stringify({ email: 'nobody@example.com', password: 'x' }));
    expect(unknown.status).toBe(401);
    const unknownBody = (await unknown.json()) as ErrorBody;
    // Same text: the answer must not reveal which e-mails exist.
    expect(unknownBody.error).toBe(wrongBody.error);
  });

  it('POST /auth/login with malformed JSON answers 400 BAD_REQUEST', async () => {
    const res = await postJson('/auth/login', '{"email": "admin@example.com", ');
    expect(res.status).toBe(400);
    expectErrorBody(await res.json(), 'BAD_REQUEST');
  });

  it('POST /auth/login with a missing field answers 400 VALIDATION_FAILED naming it', async () => {
    const res = await postJson('/auth/login', JSON.stringify({ email: ADMIN_EMAIL }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expectErrorBody(body, 'VALIDATION_FAILED');
    expect(body.error).toContain('password');
  });

  it('Bearer routes answer 401 without a valid token', async () => {
    const none = await get('/user/profile');
    expect(none.status).toBe(401);
    expectErrorBody(await none.json(), 'UNAUTHORIZED');
    const forged = await get('/user/profile', { headers: { authorization: 'Bearer abc.def.ghi' } });
    expect(forged.status).toBe(401);
    const verify = await postJson('/auth/verify', JSON.stringify({ token: 'abc.def.ghi' }));
    expect(await verify.json()).toEqual({ valid: false });
  });

  it('an unknown route answers 404 NOT_FOUND in the error format', async () => {
    const res = await get('/no/such/route');
    expect(res.status).toBe(404);
    expectErrorBody(await res.json(), 'NOT_FOUND');
  });

  it('logs one line per request but health probes: method, path (no query), status, ms', async () => {
    await (await get('/health/live?probe=1')).body?.cancel();
    await (await get('/products?limit=1')).body?.cancel();
    await expect.poll(() => out).toContainEqual(expect.stringMatching(/^GET \/products 200 \d+\.\dms$/));
    expect(out.filter((line) => line.includes('/health'))).toEqual([]);
  });
});

describe('reference backend app without a working database (app.inject, no PostgreSQL)', () => {
  function contextWith(db: Db | undefined): AppContext {
    return {
      version: '9.9.9',
      instanceId: undefined,
      startedAt: performance.now(),
      tokens: new TokenService('x'.repeat(32)),
      db: () => db,
    };
  }
  const quiet = { log: () => undefined, logError: () => undefined };
  const failingDb: Db = {
    query: () => Promise.reject(new Error('connection lost')),
    exec: () => Promise.reject(new Error('connection lost')),
    transaction: () => Promise.reject(new Error('connection lost')),
    close: () => Promise.resolve(),
  };

  it('GET /health answers 503 degraded naming the failing check when the query fails', async () => {
    const app = buildApp(contextWith(failingDb), quiet);
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(503);
    const body = res.json();
    expect(body).toMatchObject({
      status: 'degraded',
      version: '9.9.9',
      checks: { database: 'error' },
      code: 'UNAVAILABLE',
    });
    expect(body).not.toHaveProperty('instance_id');
    expect(body.error).toContain('connection lost');
    await app.close();
  });

  it('before migrations: /health/ready and /products answer 503, /health/live 200', async () => {
    const app = buildApp(contextWith(undefined), quiet);
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ checks: { database: 'starting' }, code: 'UNAVAILABLE' });
    const products = await app.inject({ method: 'GET', url: '/products' });
    expect(products.statusCode).toBe(503);
    expectErrorBody(products.json(), 'UNAVAILABLE');
    await app.close();
  });

  it('an unexpected error answers 500 INTERNAL without leaking its message', async () => {
    const logged: string[] = [];
    const app = buildApp(contextWith(failingDb), { log: () => undefined, logError: (l) => logged.push(l) });
    const res = await app.inject({ method: 'GET', url: '/products' });
    expect(res.statusCode).toBe(500);
    const body = res.json();
    expectErrorBody(body, 'INTERNAL');
    expect(body.error).not.toContain('connection lost');
    expect(logged.join('\n')).toContain('connection lost');
    await app.close();
  });
});

describe('reference backend configuration', () => {
  const someUrl = 'postgres://app:pw@127.0.0.1:5432/app';

  it('applies the defaults', () => {
    expect(loadConfig({ DATABASE_URL: someUrl }, '/srv/app')).toEqual({
      port: 3000,
      host: '127.0.0.1',
      dataDir: '/srv/app/.data/reference-backend',
      adminEmail: 'admin@example.com',
      adminPassword: undefined,
      jwtSecret: undefined,
      instanceId: undefined,
      databaseUrl: someUrl,
      demoUserPassword: undefined,
    });
  });

  it.each([
    ['unset', {}],
    ['empty', { DATABASE_URL: '' }],
  ])('requires DATABASE_URL (%s), saying what it must be', (_how, env: Record<string, string>) => {
    let caught: unknown;
    try {
      loadConfig(env, '/x');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).variables).toEqual(['DATABASE_URL']);
    expect((caught as ConfigError).exitCode).toBe(2);
    expect((caught as Error).message).toBe(
      'missing environment variable DATABASE_URL: is required: postgres://user:password@host:port/database of a PostgreSQL ≥ 15',
    );
  });

  it('names each bad variable and never echoes secrets', () => {
    let caught: unknown;
    try {
      loadConfig({
        PORT: '70000',
        ADMIN_EMAIL: 'nope',
        JWT_SECRET: 'short-secret-value',
        DATABASE_URL: 'mysql://root:hunter2@db/x',
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const e = caught as ConfigError;
    expect(e.exitCode).toBe(2);
    expect(e.variables.sort()).toEqual(['ADMIN_EMAIL', 'DATABASE_URL', 'JWT_SECRET', 'PORT']);
    expect(e.message).toContain('invalid environment variable PORT');
    expect(e.message).toContain('invalid environment variable DATABASE_URL');
    expect(e.message).not.toContain('short-secret-value');
    expect(e.message).not.toContain('hunter2');
  });

  it('reads DATABASE_URL and DEMO_USER_PASSWORD; redacts the URL for logs', () => {
    const url = 'postgresql://app:pa55word@db.internal:5433/shop?sslmode=require';
    expect(loadConfig({ DATABASE_URL: url, DEMO_USER_PASSWORD: 'demo-password' }, '/x')).toMatchObject({
      databaseUrl: url,
      demoUserPassword: 'demo-password',
    });
    expect(redactDatabaseUrl(url)).toBe('postgresql://app:***@db.internal:5433/shop?sslmode=require');
    expect(redactDatabaseUrl('not a url')).toBe('(unparsable URL)');
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', HOST: '', DATABASE_URL: someUrl }, '/x')).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
    });
  });
});

describe('reference backend as a bundled process', () => {
  let serverJs: string;
  let dataDir: string;
  /** The database the processes share (the second start finds the first one's data). */
  let databaseUrl: string;
  const running: BackendProcess[] = [];

  beforeAll(async () => {
    serverJs = await buildReferenceBackend();
    tempDirs.push(path.dirname(serverJs));
    dataDir = await tempDir('ref-backend-proc-data-');
    databaseUrl = (await createTestDatabase(postgres().url)).url;
  }, 30_000);

  // A failed assertion must not leave a backend running.
  afterEach(() => {
    for (const p of running.splice(0))
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  });

  function start(env: Record<string, string | undefined>): BackendProcess {
    const p = spawnBackend(serverJs, {
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      ADMIN_EMAIL: undefined,
      ADMIN_PASSWORD: undefined,
      JWT_SECRET: undefined,
      SUPERVISOR_INSTANCE_ID: undefined,
      DATABASE_URL: databaseUrl,
      DEMO_USER_PASSWORD: undefined,
      ...env,
    });
    running.push(p);
    return p;
  }

  it('first start: keeps the generated admin credentials in DATA_DIR, serves, exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const proc = start({ PORT: String(port) });
    await waitForHealthy(`http://127.0.0.1:${port}/health`, 25_000, proc);
    expect(proc.stdout()).toContain(`listening on http://127.0.0.1:${port}`);

    // The admin's and the demo user's, each once, in the file (the output names the file only).
    const credLines = (await readFile(path.join(dataDir, 'initial-credentials'), 'utf8'))
      .split('\n')
      .filter((l) => l.includes('password='));
    expect(credLines).toHaveLength(2);
    expect(credLines[1]).toMatch(/^demo user: email=user@example\.com password=\S+$/);
    const password = /password=(\S+)/.exec(credLines[0] ?? '')?.[1];
    expect(credLines[0]).toContain('email=admin@example.com');
    expect(proc.stdout()).not.toContain(password);
    const login = await fetch(`http://127.0.0.1:${port}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@example.com', password }),
    });
    expect(login.status).toBe(200);

    // Keep a keep-alive connection open: the stop must not wait for it.
    const keepAlive = net.connect(port, '127.0.0.1');
    await new Promise((r) => keepAlive.once('connect', r));
    const t0 = performance.now();
    proc.child.kill('SIGTERM');
    const exit = await exitWithin(proc, 5000);
    keepAlive.destroy();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(proc.stderr()).toBe('');
  }, 40_000);

  it('second start on the same data: no credentials printed, echoes the instance id, stdin EOF stops it', async () => {
    const port = await freePort();
    const proc = start({ PORT: String(port), SUPERVISOR_INSTANCE_ID: 'abc-123' });
    const res = await waitForHealthy(`http://127.0.0.1:${port}/health`, 15_000, proc);
    expect(await res.json()).toMatchObject({ status: 'ok', instance_id: 'abc-123' });
    expect(proc.stdout()).not.toContain('password=');
    expect(proc.stdout()).not.toContain('admin account created');

    // Lifeline: the supervisor dying closes our stdin.
    proc.child.stdin?.end();
    expect(await exitWithin(proc, 5000)).toEqual({ code: 0, signal: null });
    expect(proc.stdout()).toContain('stdin closed');
  }, 30_000);

  it('exits 98 with one clear line when the port is taken', async () => {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const proc = start({ PORT: String(port), DATA_DIR: await tempDir('ref-backend-busy-') });
      expect(await exitWithin(proc, 10_000)).toEqual({ code: 98, signal: null });
      expect(proc.stderr().trim()).toBe(`port ${port} is already in use`);
    } finally {
      await new Promise((r) => holder.close(r));
    }
  }, 20_000);

  it.each([
    ['unset', undefined],
    ['empty', ''],
  ])(
    'exits 2 naming DATABASE_URL when it is %s, before listening',
    async (_how, value) => {
      const port = await freePort();
      const proc = start({ PORT: String(port), DATA_DIR: await tempDir('ref-backend-nourl-'), DATABASE_URL: value });
      expect(await exitWithin(proc, 10_000)).toEqual({ code: 2, signal: null });
      expect(proc.stderr().trim()).toBe(
        'missing environment variable DATABASE_URL: is required: postgres://user:password@host:port/database of a PostgreSQL ≥ 15',
      );
      expect(proc.stdout()).not.toContain('listening on');
    },
    20_000,
  );

  it('exits 1 with one clear line, password hidden, when DATABASE_URL cannot be reached', async () => {
    const closed = await freePort();
    const proc = start({
      PORT: String(await freePort()),
      DATA_DIR: await tempDir('ref-backend-nopg-'),
      DATABASE_URL: `postgres://someone:s3cret-pw@127.0.0.1:${closed}/shop`,
    });
    expect(await exitWithin(proc, 15_000)).toEqual({ code: 1, signal: null });
    expect(proc.stderr()).toContain(`cannot open the database at postgres://someone:***@127.0.0.1:${closed}/shop`);
    expect(proc.stderr() + proc.stdout()).not.toContain('s3cret-pw');
  }, 20_000);

  it('exits 1, password hidden, when the PostgreSQL of DATABASE_URL refuses its password', async () => {
    const url = new URL(postgres().url);
    url.password = 'wr0ng-pw-42';
    const proc = start({
      PORT: String(await freePort()),
      DATA_DIR: await tempDir('ref-backend-badpw-'),
      DATABASE_URL: url.toString(),
    });
    expect(await exitWithin(proc, 15_000)).toEqual({ code: 1, signal: null });
    expect(proc.stderr()).toContain(
      `cannot open the database at postgres://postgres:***@127.0.0.1:${url.port}/postgres: password authentication failed`,
    );
    expect(proc.stderr() + proc.stdout()).not.toContain('wr0ng-pw-42');
  }, 20_000);

  it('runs on the PostgreSQL of TEST_DATABASE_URL (CI: 15); DATA_DIR holds only the secret and credentials', async () => {
    const db = await createTestDatabase(postgresTarget().url);
    try {
      const port = await freePort();
      const dir = await tempDir('ref-backend-pg-data-');
      const proc = start({ PORT: String(port), DATA_DIR: dir, DATABASE_URL: db.url, ADMIN_PASSWORD });
      await waitForHealthy(`http://127.0.0.1:${port}/health/ready`, 15_000, proc);
      expect(proc.stdout()).toContain('(PostgreSQL postgres://');
      expect(proc.stdout()).not.toContain(`:${new URL(db.url).password}@`);
      const login = await fetch(`http://127.0.0.1:${port}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
      });
      expect(login.status).toBe(200);
      // The data is in PostgreSQL: the folder keeps the JWT secret and the demo user's generated password.
      expect((await readdir(dir)).sort()).toEqual(['initial-credentials', 'jwt-secret']);
      proc.child.kill('SIGTERM');
      expect(await exitWithin(proc, 5000)).toEqual({ code: 0, signal: null });
      expect(proc.stderr()).toBe('');
    } finally {
      await db.drop();
    }
  }, 30_000);

  it('exits 2 naming the variable when the configuration is bad', async () => {
    const proc = start({ PORT: 'not-a-port' });
    expect(await exitWithin(proc, 10_000)).toEqual({ code: 2, signal: null });
    expect(proc.stderr()).toContain('invalid environment variable PORT');
  }, 20_000);
});
