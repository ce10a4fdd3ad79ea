/**
 * `backend-supervisor serve` as a systemd `Type=notify` service, as a real process with a
 * real NOTIFY_SOCKET (a unix datagram socket bound by Python) and Debian's systemd-notify:
 * READY=1 only once the backend is healthy, STOPPING=1 on SIGTERM before it exits, WATCHDOG=1
 * at half of WATCHDOG_USEC, nothing without NOTIFY_SOCKET, one warning without systemd-notify.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STATUS_MAX_BYTES } from '../../src/main/core/systemd/notifier';
import { startHeadless, type HeadlessServer } from '../helpers/headless-server';
import { bindNotifySocket, python3, type Datagram, type NotifySocket } from '../helpers/notify-socket';
import { fixtureStackText, startServe } from '../helpers/stack';
import { FAULT_BACKEND, freePort, pollUntil, tempDir } from '../helpers/supervise';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/** Health answers 503 for this long after the backend listens, ms. */
const UNHEALTHY_MS = 2_500;

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'backend-supervisor.js');

/**
 * A serve supervising the fault backend, which first records the systemd variables it
 * inherited (none, it must be) in `<dir>/backend-env.json`.
 */
async function serve(env: Record<string, string>): Promise<{ server: HeadlessServer; dir: string }> {
  const dir = tempDir('bsup-sd-');
  chmodSync(dir, 0o755);
  const recorder = join(dir, 'record-env.mjs');
  writeFileSync(
    recorder,
    `import { writeFileSync } from 'node:fs';\n` +
      `const names = ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID'];\n` +
      `writeFileSync(${JSON.stringify(join(dir, 'backend-env.json'))}, JSON.stringify(Object.fromEntries(names.map((n) => [n, process.env[n] ?? null]))));\n`,
  );
  const port = await freePort();
  const server = await startHeadless({
    GO_BACKEND_BINARY: process.execPath,
    BACKEND_ARGS: JSON.stringify(['--import', recorder, FAULT_BACKEND]),
    GO_BACKEND_URL: `http://127.0.0.1:${port}`,
    PORT: String(port),
    LISTENING_FILE: join(dir, 'listening'),
    ...env,
  });
  cleanups.push(() => server.stop());
  return { server, dir };
}

/** Runs `backend-supervisor serve` with `env` over this process's until it exits: its exit code and stderr. */
async function serveUntilExit(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { code, stderr };
}

async function socket(): Promise<NotifySocket> {
  const s = await bindNotifySocket();
  cleanups.push(() => s.close());
  return s;
}

async function backendState(server: HeadlessServer): Promise<string> {
  const res = await fetch(`${server.url}/api/v1/admin/backend/status`, {
    headers: { authorization: `Bearer ${server.token}` },
  });
  return ((await res.json()) as { status: string }).status;
}

const lifecycle = (messages: Datagram[]): Datagram[] => messages.filter((m) => m.fields.WATCHDOG === undefined);

describe.skipIf(python3() === null)(
  `serve under a NOTIFY_SOCKET${python3() === null ? ' (skipped: no python3 to bind the socket; apt-get install python3)' : ''}`,
  () => {
    it('sends READY=1 once the backend is healthy, not before; STOPPING=1 on SIGTERM, before it exits', async () => {
      const s = await socket();
      const { server, dir } = await serve({ NOTIFY_SOCKET: s.path, READY_AFTER_MS: String(UNHEALTHY_MS) });
      const ready = (): Datagram[] => s.messages().filter((m) => m.fields.READY === '1');
      await pollUntil(() => ready().length > 0 || server.process.exitCode !== null, 45_000, 50, 'READY=1');
      const listeningAt = Number(readFileSync(join(dir, 'listening'), 'utf8'));
      const [readyMessage] = ready();
      // Health answered 503 until then: READY=1 came after the backend was healthy, not at its spawn.
      expect(readyMessage!.at).toBeGreaterThanOrEqual(listeningAt + UNHEALTHY_MS);
      expect(readyMessage!.fields.STATUS).toMatch(
        /^backend running \(pid \d+\): .*; dashboard http:\/\/127\.0\.0\.1:\d+$/,
      );
      expect(await backendState(server)).toBe('running');
      // What came before READY=1 said what was going on.
      const before = lifecycle(s.messages()).filter((m) => m.at < readyMessage!.at);
      expect(before.map((m) => m.fields.STATUS).join('\n')).toMatch(/backend starting/);

      // The backend inherited none of systemd's variables (it could have sent its own READY=1).
      expect(JSON.parse(readFileSync(join(dir, 'backend-env.json'), 'utf8'))).toEqual({
        NOTIFY_SOCKET: null,
        WATCHDOG_USEC: null,
        WATCHDOG_PID: null,
      });

      expect(await server.stop()).toBe(0);
      const exitedAt = Date.now();
      const all = lifecycle(s.messages());
      const stopping = all.filter((m) => m.fields.STOPPING === '1');
      expect(stopping).toHaveLength(1);
      expect(stopping[0]!.fields.STATUS).toBe('SIGTERM: stopping');
      expect(stopping[0]!.at).toBeLessThanOrEqual(exitedAt);
      expect(stopping[0]!.at).toBeGreaterThan(readyMessage!.at);
      expect(ready()).toHaveLength(1);
      expect(server.output()).not.toMatch(/systemd-notify/);
      // KillMode=mixed's stop, SIGTERM to the supervisor alone: the backend got one, from it, and stopped gracefully.
      expect(server.output().match(/\[backend\] SIGTERM: exiting/g)).toHaveLength(1);
      expect(server.output()).toMatch(/\[supervisor\] pid \d+ exited with code 0/);
    });

    it('in a stack, waits for the primary service, not the first one to be healthy', async () => {
      const s = await socket();
      const dir = tempDir('bsup-sd-stack-');
      const listening = join(dir, 'web.listening');
      const { text } = await fixtureStackText(dir, {
        worker: {},
        web: { env: { READY_AFTER_MS: String(UNHEALTHY_MS), LISTENING_FILE: listening } },
      });
      const file = JSON.parse(text) as { services: Record<string, Record<string, unknown>> };
      file.services.web!.primary = true;
      const stackFile = join(dir, 'stack.yaml');
      writeFileSync(stackFile, JSON.stringify(file));
      const serve = await startServe(stackFile, { NOTIFY_SOCKET: s.path });
      cleanups.push(async () => {
        if (serve.process.exitCode === null) serve.process.kill('SIGTERM');
        await serve.exited;
      });
      const ready = (): Datagram[] => s.messages().filter((m) => m.fields.READY === '1');
      await pollUntil(() => ready().length > 0 || serve.process.exitCode !== null, 45_000, 50, 'READY=1');
      expect(ready()[0]!.at).toBeGreaterThanOrEqual(Number(readFileSync(listening, 'utf8')) + UNHEALTHY_MS);
      expect(ready()[0]!.fields.STATUS).toMatch(/^web running \(pid \d+\)/);
      // The other service's changes are not the unit's status.
      expect(lifecycle(s.messages()).filter((m) => m.fields.STATUS?.startsWith('worker'))).toEqual([]);
      serve.process.kill('SIGTERM');
      expect(await serve.exited).toBe(0);
    });

    it('with --no-start, READY=1 as soon as the control server listens', async () => {
      const s = await socket();
      const controlPort = await freePort();
      const dataDir = tempDir('bsup-sd-nostart-');
      const child = spawn(process.execPath, [BIN, 'serve', '--no-start', '--control-port', String(controlPort)], {
        env: {
          ...process.env,
          SUPERVISOR_DATA_DIR: dataDir,
          NOTIFY_SOCKET: s.path,
          CONTROL_TOKEN: 'sd-token-0123456789abcdef0123456789',
        },
        stdio: 'ignore',
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      cleanups.push(async () => {
        if (child.exitCode === null) child.kill('SIGKILL');
        await exited;
      });
      await pollUntil(
        () => s.messages().some((m) => m.fields.READY === '1') || child.exitCode !== null,
        45_000,
        50,
        'READY=1',
      );
      const ready = s.messages().find((m) => m.fields.READY === '1');
      expect(ready?.fields.STATUS).toBe(`dashboard http://127.0.0.1:${controlPort}; backend not started (--no-start)`);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    });

    it('a SIGHUP (systemctl reload) sends RELOADING=1 with MONOTONIC_USEC, then READY=1 once the reload has answered', async () => {
      const s = await socket();
      const { server } = await serve({ NOTIFY_SOCKET: s.path });
      const withField = (key: string): Datagram[] => lifecycle(s.messages()).filter((m) => m.fields[key] === '1');
      await pollUntil(() => withField('READY').length > 0 || server.process.exitCode !== null, 45_000, 50, 'READY=1');
      const sentAt = process.hrtime.bigint() / 1000n;
      server.process.kill('SIGHUP');
      await pollUntil(
        () => withField('READY').length > 1 || server.process.exitCode !== null,
        45_000,
        50,
        'READY=1 after the reload',
      );
      const [reloading, ...more] = withField('RELOADING');
      expect(more).toHaveLength(0);
      // CLOCK_MONOTONIC, as systemd reads it: this test's clock is the same one.
      const usec = BigInt(reloading!.fields.MONOTONIC_USEC ?? '0');
      expect(usec).toBeGreaterThanOrEqual(sentAt);
      expect(usec).toBeLessThanOrEqual(process.hrtime.bigint() / 1000n);
      expect(reloading!.fields.STATUS).toBe('SIGHUP: reloading the settings and the stack file');
      const again = withField('READY')[1]!;
      expect(again.at).toBeGreaterThanOrEqual(reloading!.at);
      expect(again.fields.STATUS).toBe('reloaded: nothing changed');
      expect(server.output()).toMatch(/reload: nothing changed/);
      expect(await server.stop()).toBe(0);
    });

    it('a start refused by a bad setting says why in STATUS=, sends no READY=1, and exits 2', async () => {
      const s = await socket();
      const { code, stderr } = await serveUntilExit({
        SUPERVISOR_DATA_DIR: tempDir('bsup-sd-bad-'),
        NOTIFY_SOCKET: s.path,
        WATCHDOG_USEC: '200000',
        CONTROL_PORT: 'not-a-port',
      });
      expect(code).toBe(2);
      expect(stderr).toMatch(/CONTROL_PORT/);
      expect(s.messages().some((m) => m.fields.READY === '1')).toBe(false);
      // A watchdog ping waiting behind the one on its way may carry the STATUS= (merged).
      const statuses = s
        .messages()
        .filter((m) => m.fields.STATUS !== undefined)
        .map((m) => m.fields);
      // The datagram came from systemd-notify before the supervisor exited (it waits for the send).
      expect(statuses.at(-1)?.STATUS).toMatch(/^not started: .*CONTROL_PORT/);
    });

    it('a control port already in use says so in STATUS=, sends no READY=1, and exits 1', async () => {
      const s = await socket();
      const holder = createServer();
      await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
      cleanups.push(() => new Promise<void>((resolve) => holder.close(() => resolve())));
      const port = (holder.address() as AddressInfo).port;
      const child = spawn(process.execPath, [BIN, 'serve', '--no-start'], {
        env: {
          ...process.env,
          SUPERVISOR_DATA_DIR: tempDir('bsup-sd-port-'),
          NOTIFY_SOCKET: s.path,
          WATCHDOG_USEC: '200000',
          CONTROL_PORT: String(port),
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      expect(code).toBe(1);
      expect(stderr).toMatch(/already in use/);
      expect(s.messages().some((m) => m.fields.READY === '1')).toBe(false);
      // A watchdog ping waiting behind the one on its way may carry the STATUS= (merged).
      const statuses = s
        .messages()
        .filter((m) => m.fields.STATUS !== undefined)
        .map((m) => m.fields);
      expect(statuses.at(-1)?.STATUS).toBe(
        `not started: control port 127.0.0.1:${port} is already in use (set CONTROL_PORT or --control-port)`,
      );
    });

    it('SIGHUP storms: none during the start-up sends RELOADING=1 or an early READY=1; after it, each RELOADING=1 has its READY=1', async () => {
      const s = await socket();
      const { server } = await serve({ NOTIFY_SOCKET: s.path, READY_AFTER_MS: String(UNHEALTHY_MS) });
      const states = (): Datagram[] =>
        lifecycle(s.messages()).filter((m) => m.fields.READY === '1' || m.fields.RELOADING === '1');
      // The control server listens, the backend is not healthy yet: a storm while the start is not done.
      while (states().length === 0 && server.process.exitCode === null) {
        server.process.kill('SIGHUP');
        await pollUntil(() => server.output().includes('SIGHUP: reloading'), 10_000, 10, 'a reload');
        await new Promise((resolve) => setImmediate(resolve));
        if (await backendState(server).then((state) => state === 'running')) break;
      }
      await pollUntil(() => states().length > 0 || server.process.exitCode !== null, 45_000, 50, 'READY=1');
      const [first] = states();
      expect(first!.fields.READY).toBe('1');
      expect(first!.fields.STATUS).toMatch(/dashboard http/);
      // A storm after it: the reloads it makes each end in READY=1, the last one last.
      for (let i = 0; i < 30; i++) server.process.kill('SIGHUP');
      const count = (pattern: RegExp): number => (server.output().match(pattern) ?? []).length;
      await pollUntil(
        () =>
          states().length > 1 &&
          count(/reload: nothing changed/g) >= count(/SIGHUP: reloading/g) &&
          states().at(-1)!.fields.READY === '1',
        45_000,
        50,
        'every reload answered, READY=1 last',
      );
      const after = states().slice(1);
      // Alternating: RELOADING=1 … READY=1, never two READY=1 in a row, READY=1 last.
      expect(after[0]!.fields.RELOADING).toBe('1');
      expect(after.at(-1)!.fields.READY).toBe('1');
      for (let i = 1; i < after.length; i++) {
        if (after[i]!.fields.READY === '1') expect(after[i - 1]!.fields.RELOADING).toBe('1');
      }
      expect(await server.stop()).toBe(0);
    });

    it('SIGHUP then SIGTERM during the reload: STOPPING=1 is the last state message, no READY=1 after it', async () => {
      const s = await socket();
      const { server } = await serve({ NOTIFY_SOCKET: s.path });
      await pollUntil(
        () => lifecycle(s.messages()).some((m) => m.fields.READY === '1') || server.process.exitCode !== null,
        45_000,
        50,
        'READY=1',
      );
      for (let i = 0; i < 10; i++) server.process.kill('SIGHUP');
      await pollUntil(() => server.output().includes('SIGHUP: reloading'), 10_000, 10, 'the reload');
      expect(await server.stop()).toBe(0);
      const states = lifecycle(s.messages()).filter(
        (m) => m.fields.READY === '1' || m.fields.RELOADING === '1' || m.fields.STOPPING === '1',
      );
      expect(states.at(-1)!.fields.STOPPING).toBe('1');
      expect(states.filter((m) => m.fields.STOPPING === '1')).toHaveLength(1);
    });

    it('a SIGHUP reload refused by a bad stack file still ends in READY=1, its STATUS= one line within the bound', async () => {
      const s = await socket();
      const dir = tempDir('bsup-sd-refused-');
      const { text } = await fixtureStackText(dir, { backend: {} });
      const stackFile = join(dir, 'stack.yaml');
      writeFileSync(stackFile, text);
      const serve = await startServe(stackFile, { NOTIFY_SOCKET: s.path });
      cleanups.push(async () => {
        if (serve.process.exitCode === null) serve.process.kill('SIGTERM');
        await serve.exited;
      });
      const withField = (key: string): Datagram[] => lifecycle(s.messages()).filter((m) => m.fields[key] === '1');
      await pollUntil(() => withField('READY').length > 0 || serve.process.exitCode !== null, 45_000, 50, 'READY=1');
      // Many problems, each on its own line, one of them a forged field: the answer is long and multiline.
      const bad = Object.fromEntries(
        Array.from({ length: 200 }, (_, i) => [`svc${i}`, { command: 42, ['x\nREADY=1']: true }]),
      );
      writeFileSync(stackFile, JSON.stringify({ services: bad }));
      serve.process.kill('SIGHUP');
      await pollUntil(
        () => withField('READY').length > 1 || serve.process.exitCode !== null,
        45_000,
        50,
        'READY=1 after the refused reload',
      );
      const again = withField('READY')[1]!;
      expect(withField('RELOADING')).toHaveLength(1);
      expect(again.at).toBeGreaterThanOrEqual(withField('RELOADING')[0]!.at);
      expect(again.text.split('\n').map((f) => f.slice(0, f.indexOf('=')))).toEqual(['READY', 'STATUS']);
      expect(again.fields.STATUS).toMatch(/^reload refused, nothing changed: /);
      expect(Buffer.byteLength(again.fields.STATUS!)).toBeLessThanOrEqual(STATUS_MAX_BYTES);
      expect(again.fields.STATUS).toMatch(/…$/);
      serve.process.kill('SIGTERM');
      expect(await serve.exited).toBe(0);
    });

    it('a start refused while systemd-notify hangs still exits 2, and leaves no systemd-notify (nor its child) behind', async () => {
      // A systemd-notify that never returns (PID 1 not taking messages), with a child of its own.
      const bin = tempDir('bsup-sd-hang-');
      const pids = join(bin, 'pids');
      writeFileSync(join(bin, 'systemd-notify'), `#!/bin/sh\nsleep 1000 &\necho "$$ $!" >> '${pids}'\nwait\n`);
      chmodSync(join(bin, 'systemd-notify'), 0o755);
      const { code, stderr } = await serveUntilExit({
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        SUPERVISOR_DATA_DIR: tempDir('bsup-sd-hang-data-'),
        NOTIFY_SOCKET: join(bin, 'nobody.sock'),
        WATCHDOG_USEC: '200000',
        CONTROL_PORT: 'not-a-port',
      });
      expect(code).toBe(2);
      expect(stderr).toMatch(/CONTROL_PORT/);
      const started = readFileSync(pids, 'utf8').trim().split(/\s+/).map(Number);
      expect(started.length).toBeGreaterThan(0);
      const alive = (pid: number): boolean => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      // Killed (its process group) as the notifier closed: gone, or about to be reaped.
      await pollUntil(() => started.every((pid) => !alive(pid)), 10_000, 50, 'no systemd-notify left');
    });

    it('pings WATCHDOG=1 every WATCHDOG_USEC/2 from the start', async () => {
      const s = await socket();
      // 2 s: a ping every second.
      const { server } = await serve({ NOTIFY_SOCKET: s.path, WATCHDOG_USEC: '2000000' });
      const pings = (): number[] =>
        s
          .messages()
          .filter((m) => m.fields.WATCHDOG === '1')
          .map((m) => m.at);
      await pollUntil(() => pings().length >= 6 || server.process.exitCode !== null, 45_000, 50, 'six pings');
      const at = pings();
      const gaps = at.slice(1).map((t, i) => t - at[i]!);
      const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)]!;
      expect(median).toBeGreaterThan(1_000 * 0.6);
      expect(median).toBeLessThan(1_000 * 1.6);
      // On from before the start is done: the start-up's event loop is watched too.
      const readyAt = s.messages().find((m) => m.fields.READY === '1')?.at ?? Infinity;
      expect(at[0]).toBeLessThan(readyAt);
      expect(await server.stop()).toBe(0);
    });
  },
);

describe('serve without systemd', () => {
  /** A folder with a stand-in systemd-notify that records each call. */
  function standIn(): { dir: string; calls: string } {
    const dir = tempDir('bsup-fake-notify-');
    chmodSync(dir, 0o755);
    const calls = join(dir, 'calls');
    writeFileSync(join(dir, 'systemd-notify'), `#!/bin/sh\necho "$@" >> '${calls}'\n`, { mode: 0o755 });
    return { dir, calls };
  }

  it('without NOTIFY_SOCKET runs no systemd-notify, WATCHDOG_USEC or not', async () => {
    const fake = standIn();
    const { server } = await serve({
      PATH: `${fake.dir}:${process.env.PATH ?? ''}`,
      NOTIFY_SOCKET: '', // as unset, even if this runner has one
      WATCHDOG_USEC: '200000',
    });
    await pollUntil(async () => (await backendState(server)) === 'running', 30_000, 100, 'the backend running');
    // Ten would-be watchdog intervals pass while the backend runs; then the stop.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await server.stop()).toBe(0);
    expect(existsSync(fake.calls)).toBe(false);
  });

  /** A PATH of one folder linking every program of this PATH but systemd-notify. */
  function pathWithoutSystemdNotify(): string {
    const dir = tempDir('bsup-no-notify-');
    chmodSync(dir, 0o755);
    for (const from of (process.env.PATH ?? '').split(':').filter(Boolean)) {
      let names: string[] = [];
      try {
        names = readdirSync(from);
      } catch {
        continue; // a folder of PATH that is not there
      }
      for (const name of names) {
        if (name === 'systemd-notify' || existsSync(join(dir, name))) continue;
        symlinkSync(join(from, name), join(dir, name));
      }
    }
    return dir;
  }

  it('with NOTIFY_SOCKET but no systemd-notify on PATH: one warning line, and it runs as usual', async () => {
    const path = pathWithoutSystemdNotify();
    const { server } = await serve({ PATH: path, NOTIFY_SOCKET: join(tempDir('bsup-sock-'), 'notify.sock') });
    await pollUntil(async () => (await backendState(server)) === 'running', 30_000, 100, 'the backend running');
    expect(await server.stop()).toBe(0);
    const warnings = server
      .output()
      .split('\n')
      .filter((l) => l.includes('systemd-notify'));
    expect(warnings).toEqual([
      'backend-supervisor: NOTIFY_SOCKET is set but systemd-notify is not on PATH (install systemd, or use Type=simple): systemd hears nothing from the supervisor',
    ]);
  });
});
