/**
 * The stack's routes against a careless or hostile caller, on a real server over a real
 * two-service stack (both running): a name that is not a service — encoded, a look-alike,
 * a prototype property, too long — is answered 404 UNKNOWN_SERVICE (or the framework's 4xx),
 * never a 500, and no service is touched; the read-only token cannot act; bodies and
 * methods cannot redirect a command.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type SupervisorRuntime } from '../../src/main/core/runtime';
import { parseStackText } from '../../src/main/core/stack/stack-file';
import { userIdsOf } from '../../src/main/core/stack/service-user';
import { createControlServer } from '../../src/main/server/control-server';
import { rawRequest } from '../helpers/raw-http';
import { tempDir, testConfig, waitForState } from '../helpers/supervise';

const TOKEN = 'control-token-0123456789abcdef0123456789';
const READ_TOKEN = 'read-token-0123456789abcdef0123456789ab';

let runtime: SupervisorRuntime;
let app: FastifyInstance;
let port: number;
let dataDir: string;

const SLEEP = `command: [/bin/sleep, "1000"]\n    restart: "no"\n    stop_grace_period: 1`;

beforeAll(async () => {
  const dir = tempDir('bsup-routes-');
  dataDir = dir;
  const config = testConfig(1, { dataDir: dir, controlPort: 0 });
  const definition = parseStackText(
    `services:\n  db:\n    ${SLEEP}\n  backend:\n    ${SLEEP}\n    depends_on: [db]\n`,
    'stack.yaml',
    dir,
    config,
  );
  runtime = createRuntime(config, undefined, undefined, undefined, definition);
  app = createControlServer({ ...runtime, token: TOKEN, readToken: READ_TOKEN });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as { port: number }).port;
  const started = await call('POST', '/api/v1/stack/start');
  expect(started.status).toBe(200);
  for (const name of ['db', 'backend']) await waitForState(runtime.stack.member(name).supervisor, 'running', 10_000);
}, 30_000);

afterAll(async () => {
  await app?.close();
  await runtime?.shutdown();
});

/**
 * One request on a raw socket (a fetch would resolve `..` and `%2e%2e` before sending);
 * the answer's status and JSON body.
 */
async function call(
  method: string,
  path: string,
  options: { token?: string | null; body?: string; type?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = {};
  if (options.token !== null) headers.authorization = `Bearer ${options.token ?? TOKEN}`;
  if (options.body !== undefined) headers['content-type'] = options.type ?? 'application/json';
  const res = await rawRequest(port, method, path, { headers, body: options.body });
  const text = res.text.slice(res.text.indexOf('\r\n\r\n') + 4);
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: res.status, body };
}

/** Both services are still running with the pid they had (nothing was stopped or restarted). */
function expectUntouched(pids: Record<string, number | null>): void {
  for (const name of ['db', 'backend']) {
    const supervisor = runtime.stack.member(name).supervisor;
    expect(supervisor.currentState, name).toBe('running');
    expect(supervisor.status().pid, name).toBe(pids[name]);
  }
}

function pids(): Record<string, number | null> {
  return Object.fromEntries(['db', 'backend'].map((n) => [n, runtime.stack.member(n).supervisor.status().pid ?? null]));
}

/** Path segments that name no service (raw, as sent on the wire). */
const NOT_SERVICES = [
  'constructor',
  '__proto__',
  'hasOwnProperty',
  'toString',
  'valueOf',
  'DB',
  'db%20',
  'db%00',
  '%64%62%2F', // "db/"
  '..%2Fdb',
  '%2e%2e',
  '%2E',
  'd%D0%AC', // "dЬ": a Cyrillic look-alike of b
  '%D0%B4b', // "дb"
  'db%E2%80%8B', // "db" + zero-width space
  '%EF%BD%84%EF%BD%82', // "ｄｂ", fullwidth
  'backend%3F',
];

describe('a name that is not a service', () => {
  it.each(NOT_SERVICES)('GET /api/v1/services/%s is 404 UNKNOWN_SERVICE', async (name) => {
    const res = await call('GET', `/api/v1/services/${name}`);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('UNKNOWN_SERVICE');
  });

  it.each(NOT_SERVICES)('POST /api/v1/services/%s/stop is 404 UNKNOWN_SERVICE and stops nothing', async (name) => {
    const before = pids();
    for (const verb of ['stop', 'restart', 'start']) {
      const res = await call('POST', `/api/v1/services/${name}/${verb}`);
      expect(res.status, verb).toBe(404);
      expect(res.body.code, verb).toBe('UNKNOWN_SERVICE');
      expect(res.body.success, verb).toBe(false);
    }
    expectUntouched(before);
  });

  it('a 10 KB name is refused by the framework (414), never a 500, and stops nothing', async () => {
    const before = pids();
    const res = await call('POST', `/api/v1/services/${'a'.repeat(10_240)}/stop`);
    expect(res.status).toBe(414);
    expect(res.body.code).toBe('URI_TOO_LONG');
    expectUntouched(before);
  });

  it('the longest name a service may have (63) that is not one is 404, with the names there are', async () => {
    const res = await call('GET', `/api/v1/services/${'a'.repeat(63)}`);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('UNKNOWN_SERVICE');
    expect(String(res.body.error)).toContain('services: db, backend');
  });

  it('a malformed escape is 400, never a 500', async () => {
    const res = await call('POST', '/api/v1/services/%E0%A4%A/stop');
    expect(res.status).toBe(400);
  });

  it('path tricks route nowhere: ../ and a doubled slash are 404 and stop nothing', async () => {
    const before = pids();
    for (const path of [
      '/api/v1/services/../services/db/stop',
      '/api/v1/services/x/../db/stop',
      '/api/v1/services//db/stop',
      '/api/v1/services/db/stop/',
      '/api/v1/services/db/stop/extra',
    ]) {
      const res = await call('POST', path);
      expect(res.status, path).toBe(404);
    }
    expectUntouched(before);
  });

  it('the server still answers after every one of them', async () => {
    const res = await call('GET', '/api/v1/services');
    expect(res.status).toBe(200);
    expect((res.body as unknown as { name: string }[]).map((s) => s.name)).toEqual(['db', 'backend']);
  });
});

describe('who may act, with what method and body', () => {
  it('the read-only token reads the services but starts, stops and restarts nothing', async () => {
    const before = pids();
    expect((await call('GET', '/api/v1/services', { token: READ_TOKEN })).status).toBe(200);
    expect((await call('GET', '/api/v1/services/db', { token: READ_TOKEN })).status).toBe(200);
    for (const path of [
      '/api/v1/services/db/stop',
      '/api/v1/services/db/restart',
      '/api/v1/services/constructor/stop',
      '/api/v1/stack/stop',
      '/api/v1/stack/restart',
      '/api/v1/rpc/stack:stop',
      '/api/v1/rpc/services:list',
    ]) {
      const res = await call('POST', path, { token: READ_TOKEN });
      expect(res.status, path).toBe(403);
    }
    expectUntouched(before);
  });

  it('no token or a wrong token is 401, the token in the query string 400', async () => {
    const before = pids();
    expect((await call('POST', '/api/v1/services/db/stop', { token: null })).status).toBe(401);
    expect((await call('POST', '/api/v1/stack/stop', { token: `${TOKEN}x` })).status).toBe(401);
    const query = await call('POST', `/api/v1/services/db/stop?token=${TOKEN}`, { token: null });
    expect(query.status).toBe(400);
    expectUntouched(before);
  });

  it('another method on a command route is 404, never the command', async () => {
    const before = pids();
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      const res = await call(method, '/api/v1/services/db/stop');
      expect(res.status, method).toBe(404);
      expect((await call(method, '/api/v1/stack/stop')).status, method).toBe(404);
    }
    expect((await call('DELETE', '/api/v1/services/db')).status).toBe(404);
    expectUntouched(before);
  });

  it('a body cannot redirect a command, and a bad body acts on nothing', async () => {
    const before = pids();
    const bad = await call('POST', '/api/v1/services/db/stop', { body: '{"service":' });
    expect(bad.status).toBe(400);
    const text = await call('POST', '/api/v1/services/db/stop', { body: 'service=backend', type: 'text/plain' });
    expect(text.status).toBe(415);
    const form = await call('POST', '/api/v1/stack/stop', {
      body: 'a=1',
      type: 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
    expectUntouched(before);
    // A JSON body naming another service: only the one in the path restarts.
    const res = await call('POST', '/api/v1/services/db/restart', { body: '{"service":"backend","name":"backend"}' });
    expect(res.status).toBe(200);
    await waitForState(runtime.stack.member('db').supervisor, 'running', 10_000);
    expect(runtime.stack.member('backend').supervisor.status().pid).toBe(before.backend);
    expect(runtime.stack.member('db').supervisor.status().pid).not.toBe(before.db);
  });
});

describe('the RPC channels with {service}', () => {
  it.each([
    ['__proto__', 400, 'BAD_ARGUMENTS'],
    ['constructor', 404, 'UNKNOWN_SERVICE'],
    ['hasOwnProperty', 400, 'BAD_ARGUMENTS'],
    ['toString', 400, 'BAD_ARGUMENTS'],
    ['db/../backend', 400, 'BAD_ARGUMENTS'],
    ['a'.repeat(10_240), 400, 'BAD_ARGUMENTS'],
    ['dЬ', 400, 'BAD_ARGUMENTS'],
  ])('backend:stop with service %s is %i %s and stops nothing', async (service, status, code) => {
    const before = pids();
    for (const channel of ['backend:stop', 'backend:restart', 'backend:status']) {
      const res = await call('POST', `/api/v1/rpc/${channel}`, { body: JSON.stringify({ args: [{ service }] }) });
      expect(res.status, channel).toBe(status);
      expect((res.body.error as { code: string }).code, channel).toBe(code);
    }
    expectUntouched(before);
  });

  it('refuses a service ref with extra keys, a non-string service, or extra arguments', async () => {
    const before = pids();
    for (const args of [
      [{ service: 'db', extra: 1 }],
      [{ service: 1 }],
      [{ service: null }],
      [{ service: ['db'] }],
      [{ service: 'db' }, 'more'],
      ['db'],
      [{ ['__proto__']: { service: 'db' } }],
    ]) {
      const res = await call('POST', '/api/v1/rpc/backend:stop', { body: JSON.stringify({ args }) });
      expect(res.status, JSON.stringify(args)).toBe(400);
    }
    for (const channel of ['services:list', 'stack:stop', 'stack:restart']) {
      const res = await call('POST', `/api/v1/rpc/${channel}`, { body: JSON.stringify({ args: [{ service: 'db' }] }) });
      expect(res.status, channel).toBe(400);
    }
    expectUntouched(before);
  });

  it('an unknown channel or a prototype name as a channel is 404, never a 500', async () => {
    for (const channel of ['constructor', '__proto__', 'hasOwnProperty', 'stack:nope', 'toString']) {
      const res = await call('POST', `/api/v1/rpc/${channel}`, { body: '{"args":[]}' });
      expect(res.status, channel).toBe(404);
    }
  });

  it('services:list answers both services by name', async () => {
    const res = await call('POST', '/api/v1/rpc/services:list', { body: '{"args":[]}' });
    expect(res.status).toBe(200);
    expect((res.body.data as { name: string }[]).map((s) => s.name)).toEqual(['db', 'backend']);
  });
});

describe('the stack file over RPC', () => {
  it('a FIFO at <data>/stack.yaml: stack:getFile answers at once (400), the server is not blocked', async () => {
    const path = join(dataDir, 'stack.yaml');
    execFileSync('mkfifo', [path]);
    try {
      const started = performance.now();
      const res = await call('POST', '/api/v1/rpc/stack:getFile', { body: '{"args":[]}' });
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(res.status).toBe(400);
      expect(res.body.error).toEqual({
        code: 'STACK_FILE_INVALID',
        message: `${path}: cannot read the stack file: not a regular file`,
      });
      expect((await call('GET', '/api/v1/services')).status).toBe(200);
    } finally {
      rmSync(path, { force: true });
    }
  });

  it('stack:saveFile with a symlink planted at a temporary name writes nothing through it', async () => {
    const path = join(dataDir, 'stack.yaml');
    const victim = join(dataDir, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, `${path}.${process.pid}.tmp`);
    const text = 'services:\n  a:\n    command: [/bin/sleep, "1"]\n';
    const res = await call('POST', '/api/v1/rpc/stack:saveFile', { body: JSON.stringify({ args: [text] }) });
    expect(res.status).toBe(200);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(readFileSync(path, 'utf8')).toBe(text);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    rmSync(path);
  });

  it('stack:saveFile with a NUL in a value is 400 with its line; nothing is written', async () => {
    const path = join(dataDir, 'stack.yaml');
    const text = 'services:\n  a:\n    command: ["/bin/echo", "a\\0b"]\n';
    const res = await call('POST', '/api/v1/rpc/stack:saveFile', { body: JSON.stringify({ args: [text] }) });
    expect(res.status).toBe(400);
    expect((res.body.error as { message: string }).message).toBe(
      `${path}:3: services.a.command.1: must not hold a NUL character`,
    );
    expect(existsSync(path)).toBe(false);
  });
});

describe('a service really named constructor', () => {
  it('parses, starts with its dependent, answers by name and stops alone', async () => {
    const dir = tempDir('bsup-ctor-');
    const config = testConfig(1, { dataDir: dir });
    const text = `services:\n  constructor:\n    ${SLEEP}\n  hasownproperty:\n    ${SLEEP}\n    depends_on: [constructor]\n`;
    const own = createRuntime(config, undefined, undefined, undefined, parseStackText(text, 'stack.yaml', dir, config));
    try {
      expect(own.stack.names).toEqual(['constructor', 'hasownproperty']);
      await own.stack.start('app-start');
      for (const name of own.stack.names) await waitForState(own.stack.member(name).supervisor, 'running', 10_000);
      expect(own.stack.serviceStatus('constructor').depends_on).toEqual([]);
      expect(own.stack.serviceStatus('hasownproperty').depends_on).toEqual([
        { service: 'constructor', condition: 'service_started' },
      ]);
      expect(own.stack.list().map((s) => s.name)).toEqual(['constructor', 'hasownproperty']);
      expect(() => own.stack.member('toString')).toThrow(/no service "toString"/);
    } finally {
      await own.shutdown();
    }
  }, 20_000);
});

// runtime.ts builds each service's probe; it must hand the service's user to a command check.
describe.runIf(process.getuid?.() === 0 && userIdsOf('nobody') !== null)(
  'runtime: the command check of a service with `user` runs as that user',
  () => {
    it('a check that passes only as nobody makes the service running (fails while runtime.ts passes no user)', async () => {
      const nobody = userIdsOf('nobody')!;
      const dir = tempDir('bsup-check-user-');
      const config = testConfig(1, { dataDir: dir });
      const check = JSON.stringify(`test "$(id -u)" = ${nobody.uid}`);
      const text = `services:\n  worker:\n    command: [/bin/sleep, "300"]\n    working_dir: /\n    user: nobody\n    restart: "no"\n    health:\n      command: [/bin/sh, -c, ${check}]\n      interval: 0.2\n      timeout: 2\n      retries: 1\n      startup_timeout: 4\n`;
      const own = createRuntime(
        config,
        undefined,
        undefined,
        undefined,
        parseStackText(text, 'stack.yaml', dir, config),
      );
      try {
        await own.stack.start('app-start');
        const worker = own.stack.member('worker').supervisor;
        await waitForState(worker, 'running', 8_000);
        expect(worker.status().last_error ?? null).toBeNull();
      } finally {
        await own.shutdown();
      }
    }, 15_000);
  },
);
