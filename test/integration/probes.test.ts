/**
 * The TCP, PostgreSQL and command health probes against real sockets, a real PostgreSQL
 * (TEST_DATABASE_URL) and real processes: each failure kind, each at its bound (the
 * timeout, 4 KiB of output), and nothing left behind (sockets, process groups).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { HealthProbe, ProbeOutcome } from '../../src/main/core/health-probe';
import { CommandProbe, MAX_COMMAND_OUTPUT } from '../../src/main/core/probes/command-probe';
import { maskPassword, PostgresProbe } from '../../src/main/core/probes/postgres-probe';
import { TcpProbe } from '../../src/main/core/probes/tcp-probe';
import { aliveProcess } from '../helpers/proc';
import { MISSING_POSTGRES, postgresTarget } from '../helpers/ref-backend-pg';
import { freePort, pollUntil, tempDir } from '../helpers/supervise';

const ROOT = join(import.meta.dirname, '..', '..');
/** How late past its budget a probe may resolve (a loaded machine), ms. */
const SLACK_MS = 1_000;
/** The budget of the timeout cases, ms. */
const BUDGET_MS = 400;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

function track<T extends HealthProbe>(probe: T): T {
  cleanups.push(() => probe.close());
  return probe;
}

/** Probes once and measures how long the promise took, ms. */
async function timed(probe: HealthProbe, target: string, budget: number): Promise<[ProbeOutcome, number]> {
  const started = performance.now();
  const outcome = await probe.probe(target, budget);
  return [outcome, performance.now() - started];
}

/** A TCP server on 127.0.0.1 (or `host`) counting its open connections (closed when the peer's are); `onSocket` handles each. */
async function tcpServer(
  onSocket: (s: Socket) => void = () => undefined,
  host = '127.0.0.1',
): Promise<{ port: number; open: () => number; accepted: () => number; server: Server }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    // Read (and drop) what comes: a socket never read never sees the peer's FIN, and would stay open.
    s.resume();
    onSocket(s);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, open: () => sockets.size, accepted: () => accepted, server };
}

/**
 * A listener whose accept queue is full: a child process listens with a backlog of 1 and
 * blocks its event loop, so it never accepts; two connections fill the queue and the
 * kernel drops every later SYN. A connect to it neither succeeds nor fails.
 */
async function fullBacklogPort(): Promise<number> {
  const script =
    "const s=require('net').createServer();s.listen({port:0,host:'127.0.0.1',backlog:1},()=>{" +
    'process.stdout.write(s.address().port+"\\n");Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0)})';
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(() => void child.kill('SIGKILL'));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', () => reject(new Error('the listener exited')));
  });
  const fillers: Socket[] = [];
  cleanups.push(() => fillers.forEach((s) => s.destroy()));
  // Fill the accept queue: connects complete while there is room, then hang.
  for (;;) {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    fillers.push(s);
    const done = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 300);
      s.once('connect', () => {
        clearTimeout(t);
        resolve(true);
      });
    });
    if (!done) return port;
    if (fillers.length > 16) throw new Error('the accept queue never filled');
  }
}

/** TCP sockets (connected or connecting) this process holds open. */
function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
}

describe('TcpProbe', () => {
  it('healthy when a connection is made, which it closes at once; nothing spoken, no status', async () => {
    const received: Buffer[] = [];
    const srv = await tcpServer((s) => s.on('data', (d: Buffer) => received.push(d)));
    const outcome = await track(new TcpProbe()).probe(`tcp://127.0.0.1:${srv.port}`, 2_000);
    expect(outcome).toMatchObject({ ok: true, status_code: null, body: null, error: null, failure: null });
    expect(outcome.latency_ms).toBeGreaterThanOrEqual(0);
    await pollUntil(() => srv.accepted() === 1 && srv.open() === 0, 2_000, 10, 'the probe to close its connection');
    expect(Buffer.concat(received).length).toBe(0);
  });

  it('connects to an IPv6 address written in brackets', async () => {
    const srv = await tcpServer(undefined, '::1');
    const outcome = await track(new TcpProbe()).probe(`tcp://[::1]:${srv.port}`, 2_000);
    expect(outcome).toMatchObject({ ok: true, failure: null });
  });

  it('a closed port is unreachable (connection refused)', async () => {
    const port = await freePort();
    const outcome = await track(new TcpProbe()).probe(`tcp://127.0.0.1:${port}`, 2_000);
    expect(outcome).toMatchObject({
      ok: false,
      failure: 'unreachable',
      error: 'connection refused',
      status_code: null,
    });
  });

  it('an unknown host is unreachable', async () => {
    const outcome = await track(new TcpProbe()).probe('tcp://no-such-host.invalid:80', 8_000);
    expect(outcome).toMatchObject({ ok: false, failure: 'unreachable', error: 'host not found' });
  });

  it('a listener that never accepts is no-answer at the timeout, not before and not much after', async () => {
    const port = await fullBacklogPort();
    const [outcome, took] = await timed(track(new TcpProbe()), `tcp://127.0.0.1:${port}`, BUDGET_MS - 0.5);
    expect(outcome).toMatchObject({ ok: false, failure: 'no-answer', error: `no connection within ${BUDGET_MS} ms` });
    expect(took).toBeGreaterThanOrEqual(BUDGET_MS - 5);
    expect(took).toBeLessThan(BUDGET_MS + SLACK_MS);
  });

  it('a connect abandoned at the timeout leaves no socket behind', async () => {
    const port = await fullBacklogPort();
    const before = tcpHandles();
    const outcome = await track(new TcpProbe()).probe(`tcp://127.0.0.1:${port}`, BUDGET_MS);
    expect(outcome.failure).toBe('no-answer');
    await pollUntil(() => tcpHandles() === before, 2_000, 10, 'the connecting socket to be destroyed');
  });

  it('a target that is not tcp://host:port fails as other, without throwing', async () => {
    const outcome = await track(new TcpProbe()).probe('http://127.0.0.1:80/health', 1_000);
    expect(outcome).toMatchObject({
      ok: false,
      failure: 'other',
      error: 'not a tcp://host:port target: http://127.0.0.1:80/health',
    });
  });

  it('close() ends a connect in flight at once (cannot-probe), and later probes', async () => {
    const port = await fullBacklogPort();
    const probe = new TcpProbe();
    const started = performance.now();
    const pending = probe.probe(`tcp://127.0.0.1:${port}`, 30_000);
    await probe.close();
    expect(await pending).toMatchObject({ ok: false, failure: 'cannot-probe', error: 'the probe was closed' });
    expect(performance.now() - started).toBeLessThan(SLACK_MS);
    expect(await probe.probe(`tcp://127.0.0.1:${port}`, 1_000)).toMatchObject({ failure: 'cannot-probe' });
  });
});

/** PostgreSQL protocol: one backend message (type byte, int32 length, body). */
function pgMessage(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

/** An ErrorResponse with the given fields (S severity, C SQLSTATE, M message). */
function pgError(fields: Record<string, string>): Buffer {
  const parts = Object.entries(fields).map(([k, v]) => Buffer.from(`${k}${v}\0`, 'utf8'));
  return pgMessage('E', Buffer.concat([...parts, Buffer.from([0])]));
}

/** AuthenticationOk then ReadyForQuery: a login that succeeds with no password asked. */
const PG_LOGIN_OK = Buffer.concat([pgMessage('R', Buffer.from([0, 0, 0, 0])), pgMessage('Z', Buffer.from('I'))]);

function pgUrl(port: number, password = 'hunter2-secret'): string {
  return `postgres://probe:${password}@127.0.0.1:${port}/app`;
}

/** Connections of the probe's application name on the real server, other than ours. */
async function probeConnections(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`cannot connect to ${maskPassword(url)}: ${(err as Error).message}; ${MISSING_POSTGRES}`);
  }
  try {
    const res = await client.query<{ n: string }>(
      "select count(*) as n from pg_stat_activity where application_name = 'backend-supervisor-probe' and pid <> pg_backend_pid()",
    );
    return Number(res.rows[0]?.n ?? -1);
  } finally {
    await client.end();
  }
}

describe('PostgresProbe', () => {
  const { url } = postgresTarget();

  it('healthy on SELECT 1 against the real server; the target it is given is ignored; no connection left', async () => {
    const outcome = await track(new PostgresProbe(url)).probe(maskPassword(url), 5_000);
    expect(outcome, `${outcome.error ?? ''}; ${MISSING_POSTGRES}`).toMatchObject({
      ok: true,
      status_code: null,
      body: null,
      error: null,
      failure: null,
    });
    expect(outcome.latency_ms).toBeGreaterThan(0);
    await pollUntil(async () => (await probeConnections(url)) === 0, 5_000, 50, 'the probe connection to end');
  });

  it('a wrong password: other, the server message, the password nowhere', async () => {
    const wrong = new URL(url);
    wrong.password = 'wrong-pw-4f9c1';
    const outcome = await track(new PostgresProbe(wrong.toString())).probe('x', 5_000);
    expect(outcome).toMatchObject({ ok: false, failure: 'other', status_code: null });
    expect(outcome.error).toMatch(/^password authentication failed for user ".+" \(SQLSTATE 28P01\)$/);
    expect(JSON.stringify(outcome)).not.toContain('wrong-pw-4f9c1');
  });

  it('a database that does not exist: other, with the server message', async () => {
    const missing = new URL(url);
    missing.pathname = '/no_such_db_probe_7d2e';
    const outcome = await track(new PostgresProbe(missing.toString())).probe('x', 5_000);
    expect(outcome).toMatchObject({
      ok: false,
      failure: 'other',
      error: 'database "no_such_db_probe_7d2e" does not exist (SQLSTATE 3D000)',
    });
  });

  it('a closed port is unreachable, the password not in the error', async () => {
    const outcome = await track(new PostgresProbe(pgUrl(await freePort()))).probe('x', 5_000);
    expect(outcome).toMatchObject({ ok: false, failure: 'unreachable', error: 'connection refused' });
  });

  it('a server starting up (57P03) answers but refuses: other, its message; a password it echoes is masked', async () => {
    const srv = await tcpServer((s) =>
      s.once('data', () => {
        s.end(
          pgError({ S: 'FATAL', V: 'FATAL', C: '57P03', M: 'the database system is starting up (hunter2-secret)' }),
        );
      }),
    );
    const outcome = await track(new PostgresProbe(pgUrl(srv.port))).probe('x', 5_000);
    expect(outcome).toMatchObject({
      ok: false,
      failure: 'other',
      error: 'the database system is starting up (***) (SQLSTATE 57P03)',
    });
  });

  it('a server that accepts and never speaks: no-answer at the timeout, its socket closed after', async () => {
    const srv = await tcpServer();
    const [outcome, took] = await timed(track(new PostgresProbe(pgUrl(srv.port))), 'x', BUDGET_MS);
    expect(outcome).toMatchObject({ ok: false, failure: 'no-answer', error: `no answer within ${BUDGET_MS} ms` });
    expect(took).toBeGreaterThanOrEqual(BUDGET_MS - 5);
    expect(took).toBeLessThan(BUDGET_MS + SLACK_MS);
    expect(srv.accepted()).toBe(1);
    await pollUntil(() => srv.open() === 0, 2_000, 10, 'the probe socket to close');
  });

  it('a connect that never completes: no-answer at the timeout, the connecting socket destroyed', async () => {
    const port = await fullBacklogPort();
    const before = tcpHandles();
    const [outcome, took] = await timed(track(new PostgresProbe(pgUrl(port))), 'x', BUDGET_MS);
    expect(outcome).toMatchObject({ ok: false, failure: 'no-answer', error: `no answer within ${BUDGET_MS} ms` });
    expect(took).toBeLessThan(BUDGET_MS + SLACK_MS);
    await pollUntil(() => tcpHandles() === before, 2_000, 10, 'the connecting socket to be destroyed');
  });

  it('a login that succeeds and a query never answered: no-answer at the same timeout, socket closed', async () => {
    const srv = await tcpServer((s) => s.once('data', () => s.write(PG_LOGIN_OK)));
    const [outcome, took] = await timed(track(new PostgresProbe(pgUrl(srv.port))), 'x', BUDGET_MS);
    expect(outcome).toMatchObject({ ok: false, failure: 'no-answer', error: `no answer within ${BUDGET_MS} ms` });
    expect(took).toBeLessThan(BUDGET_MS + SLACK_MS);
    await pollUntil(() => srv.open() === 0, 2_000, 10, 'the probe socket to close');
  });

  it('a server that hangs up mid-login is unreachable (connection closed)', async () => {
    const srv = await tcpServer((s) => s.once('data', () => s.end()));
    const outcome = await track(new PostgresProbe(pgUrl(srv.port))).probe('x', 5_000);
    expect(outcome).toMatchObject({ ok: false, failure: 'unreachable', error: 'connection closed' });
  });

  it('close() ends a probe in flight at once (cannot-probe) and drops its socket', async () => {
    const srv = await tcpServer();
    const probe = new PostgresProbe(pgUrl(srv.port));
    const pending = probe.probe('x', 30_000);
    await pollUntil(() => srv.accepted() === 1, 2_000, 10, 'the probe to connect');
    await probe.close();
    expect(await pending).toMatchObject({ ok: false, failure: 'cannot-probe' });
    await pollUntil(() => srv.open() === 0, 2_000, 10, 'the probe socket to close');
  });
});

/** A `sh -c` script as a command probe in a fresh folder; `pids` reads the pids it wrote to `pids`. */
function shProbe(script: string, env: Record<string, string | undefined> = { PATH: process.env.PATH }) {
  const dir = tempDir('bsup-probe-');
  const probe = track(new CommandProbe(['sh', '-c', script], dir, env));
  const pids = (): number[] =>
    readFileSync(join(dir, 'pids'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map(Number);
  return { probe, dir, pids };
}

/** Waits until none of `pids` is alive (zombies of reaped children do not count). */
async function allGone(pids: number[]): Promise<void> {
  expect(pids.length).toBeGreaterThan(0);
  await pollUntil(() => pids.every((pid) => !aliveProcess(pid)), 3_000, 20, `pids ${pids.join(', ')} to be gone`);
}

describe('CommandProbe', () => {
  it('healthy on exit 0, in its working directory and environment, stdin closed', async () => {
    const dir = tempDir('bsup-probe-');
    // `cat` ends at once only if stdin is closed; the test fails without the variable or the folder.
    const check = 'test "$PROBE_FLAG" = on && test "$(pwd -P)" = "$(cd "$WANT" && pwd -P)" && cat';
    const env = { PATH: process.env.PATH, PROBE_FLAG: 'on', WANT: dir };
    const outcome = await track(new CommandProbe(['sh', '-c', check], dir, env)).probe('command: …', 5_000);
    expect(outcome).toMatchObject({ ok: true, status_code: null, body: null, error: null, failure: null });
    expect(outcome.latency_ms).toBeGreaterThan(0);
    const elsewhere = await track(new CommandProbe(['sh', '-c', check], ROOT, env)).probe('x', 5_000);
    expect(elsewhere).toMatchObject({ ok: false, error: 'exited with code 1' });
    const unset = await track(new CommandProbe(['sh', '-c', check], dir, { ...env, PROBE_FLAG: undefined })).probe(
      'x',
      5_000,
    );
    expect(unset).toMatchObject({ ok: false, error: 'exited with code 1' });
  });

  it('exit 1: other, with the code and the last stderr line', async () => {
    const { probe } = shProbe('echo progress; echo "first" >&2; echo "  database is down  " >&2; echo >&2; exit 1');
    expect(await probe.probe('x', 5_000)).toMatchObject({
      ok: false,
      failure: 'other',
      error: 'exited with code 1: database is down',
      status_code: null,
    });
  });

  it('a failure that says why on stdout only shows that line; one that says nothing, the code', async () => {
    expect(await shProbe('echo "not ready"; exit 3').probe.probe('x', 5_000)).toMatchObject({
      error: 'exited with code 3: not ready',
    });
    expect(await shProbe('exit 7').probe.probe('x', 5_000)).toMatchObject({
      failure: 'other',
      error: 'exited with code 7',
    });
    expect(await shProbe('kill -9 $$').probe.probe('x', 5_000)).toMatchObject({
      failure: 'other',
      error: 'was killed by SIGKILL',
    });
  });

  it('no exit within the timeout: no-answer at the bound, its whole group killed (a background grandchild too)', async () => {
    const { probe, pids } = shProbe('sleep 100 & echo $! > pids; echo $$ >> pids; sleep 100');
    const [outcome, took] = await timed(probe, 'x', BUDGET_MS);
    expect(outcome).toMatchObject({
      ok: false,
      failure: 'no-answer',
      error: `no exit within ${BUDGET_MS} ms (killed)`,
    });
    expect(took).toBeGreaterThanOrEqual(BUDGET_MS - 5);
    expect(took).toBeLessThan(BUDGET_MS + SLACK_MS);
    expect(pids()).toHaveLength(2);
    await allGone(pids());
  });

  it('what a healthy command leaves running in its group is killed when it exits', async () => {
    const { probe, pids } = shProbe('sleep 100 & echo $! > pids; exit 0');
    const [outcome, took] = await timed(probe, 'x', 5_000);
    expect(outcome).toMatchObject({ ok: true, failure: null });
    expect(took).toBeLessThan(SLACK_MS);
    await allGone(pids());
  });

  it('a missing command or working directory: other, saying which', async () => {
    const dir = tempDir('bsup-probe-');
    const env = { PATH: process.env.PATH };
    expect(await track(new CommandProbe(['no-such-check-cmd-51d'], dir, env)).probe('x', 5_000)).toMatchObject({
      ok: false,
      failure: 'other',
      error: 'command not found: no-such-check-cmd-51d',
    });
    const gone = join(dir, 'gone');
    expect(await track(new CommandProbe(['true'], gone, env)).probe('x', 5_000)).toMatchObject({
      failure: 'other',
      error: `working directory not found: ${gone}`,
    });
    expect(await track(new CommandProbe([], dir, env)).probe('x', 5_000)).toMatchObject({
      failure: 'other',
      error: 'no command given',
    });
  });

  it(`keeps the last ${MAX_COMMAND_OUTPUT} bytes of stderr: a line of exactly that is whole, one byte more loses its first`, async () => {
    expect(MAX_COMMAND_OUTPUT).toBe(4096); // the documented bound
    const write = (n: number) => `process.stderr.write('A' + 'x'.repeat(${n - 1}), () => process.exit(1))`;
    const env = { PATH: process.env.PATH };
    const atBound = await track(new CommandProbe([process.execPath, '-e', write(MAX_COMMAND_OUTPUT)], ROOT, env)).probe(
      'x',
      10_000,
    );
    expect(atBound.error).toBe(`exited with code 1: A${'x'.repeat(MAX_COMMAND_OUTPUT - 1)}`);
    const past = await track(
      new CommandProbe([process.execPath, '-e', write(MAX_COMMAND_OUTPUT + 1)], ROOT, env),
    ).probe('x', 10_000);
    expect(past.error).toBe(`exited with code 1: ${'x'.repeat(MAX_COMMAND_OUTPUT)}`);
  });

  it('a command that writes 8 MB and exits 0 is healthy; an endless writer is killed at the timeout', async () => {
    const chatty = shProbe('head -c 8000000 /dev/zero; head -c 8000000 /dev/zero >&2; exit 0');
    expect(await chatty.probe.probe('x', 10_000)).toMatchObject({ ok: true });
    const endless = shProbe('echo $$ > pids; yes "endless output"');
    const [outcome, took] = await timed(endless.probe, 'x', BUDGET_MS);
    expect(outcome).toMatchObject({ ok: false, failure: 'no-answer' });
    expect(took).toBeLessThan(BUDGET_MS + SLACK_MS);
    await allGone(endless.pids());
  });

  it('one run at a time: a call while one runs gets the same promise; the next call runs again', async () => {
    const { probe, dir } = shProbe('echo run >> runs; sleep 0.3');
    const first = probe.probe('x', 5_000);
    const second = probe.probe('x', 50);
    expect(second).toBe(first);
    expect(await first).toMatchObject({ ok: true });
    expect(await probe.probe('x', 5_000)).toMatchObject({ ok: true });
    expect(readFileSync(join(dir, 'runs'), 'utf8')).toBe('run\nrun\n');
  });

  it('close() kills the group of a run in flight (cannot-probe) and refuses later runs', async () => {
    const { probe, pids, dir } = shProbe('sleep 100 & echo $! > pids; echo $$ >> pids; touch started; sleep 100');
    const pending = probe.probe('x', 30_000);
    await pollUntil(
      () => {
        try {
          return readFileSync(join(dir, 'started')) !== null;
        } catch {
          return false;
        }
      },
      5_000,
      10,
      'the command to start',
    );
    await probe.close();
    expect(await pending).toMatchObject({ ok: false, failure: 'cannot-probe', error: 'the probe was closed' });
    await allGone(pids());
    expect(await probe.probe('x', 1_000)).toMatchObject({ failure: 'cannot-probe' });
  });
});

describe('out of file descriptors on the probing side', () => {
  it('every probe reports cannot-probe (a real EMFILE under prlimit), not a failure of the service', async () => {
    const dir = tempDir('bsup-probe-emfile-');
    const srv = await tcpServer();
    const mod = (name: string) => pathToFileURL(join(ROOT, 'src', 'main', 'core', 'probes', name)).href;
    const script = join(dir, 'emfile.mts');
    writeFileSync(
      script,
      `import { openSync } from 'node:fs';
import { TcpProbe } from ${JSON.stringify(mod('tcp-probe.ts'))};
import { PostgresProbe } from ${JSON.stringify(mod('postgres-probe.ts'))};
import { CommandProbe } from ${JSON.stringify(mod('command-probe.ts'))};
const target = 'tcp://127.0.0.1:${srv.port}';
const probes = [
  [new TcpProbe(), target],
  [new PostgresProbe('postgres://u:p@127.0.0.1:${srv.port}/db'), 'x'],
  [new CommandProbe(['true'], '/', { PATH: process.env.PATH }), 'x'],
] as const;
const before = (await new TcpProbe().probe(target, 2000)).ok;
const held: number[] = [];
for (;;) {
  try { held.push(openSync('/dev/null', 'r')); } catch { break; }
}
const outcomes = [];
for (const [probe, t] of probes) outcomes.push(await probe.probe(t, 2000));
process.stdout.write(JSON.stringify({ before, held: held.length, outcomes }));
process.exit(0);
`,
    );
    const run = spawnSync('prlimit', ['--nofile=256:256', process.execPath, '--import', 'tsx', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { before: boolean; held: number; outcomes: ProbeOutcome[] };
    expect(result.before).toBe(true);
    expect(result.held).toBeGreaterThan(0);
    for (const outcome of result.outcomes) {
      expect(outcome).toMatchObject({ ok: false, failure: 'cannot-probe' });
      expect(outcome.error).toMatch(/ENFILE|EMFILE/);
    }
  });
});
