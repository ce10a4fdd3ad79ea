/**
 * `backend-supervisor serve` under a NOTIFY_SOCKET, attacked with real processes: a backend
 * path of thousands of bytes holding line breaks and `READY=1` (its launch error goes into
 * STATUS=), a systemd-notify that hangs when SIGTERM comes, a SIGKILL of the supervisor while
 * systemd-notify waits on a socket nobody reads, and a service added by a reload (SIGHUP)
 * that must not inherit systemd's variables either.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHeadless } from '../helpers/headless-server';
import { bindNotifySocket, python3, type NotifySocket } from '../helpers/notify-socket';
import { fixtureStackText, startServe } from '../helpers/stack';
import { FAULT_BACKEND, freePort, pollUntil, tempDir } from '../helpers/supervise';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'backend-supervisor.js');

/** systemd's limit on one notify datagram, bytes (PID 1 drops a longer one whole). */
const NOTIFY_DATAGRAM_MAX = 4096;

async function socket(): Promise<NotifySocket> {
  const s = await bindNotifySocket();
  cleanups.push(() => s.close());
  return s;
}

/** Whether `pid` is a live process (not a zombie). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function killIfAlive(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}

/** The pids of the live processes named `comm` whose parent is `ppid`. */
function childrenNamed(ppid: number, comm: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const m = /^\d+ \((.*)\) (\S) (\d+)/.exec(stat);
      if (m && m[1] === comm && m[2] !== 'Z' && Number(m[3]) === ppid) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

const lines = (file: string): string[] =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];

describe.skipIf(python3() === null)(
  `serve attacked under a NOTIFY_SOCKET${python3() === null ? ' (skipped: no python3 to bind the socket; apt-get install python3)' : ''}`,
  () => {
    it('a backend path of 5,000 bytes with line breaks and READY=1 in it: each datagram fits, and forges no field', async () => {
      const s = await socket();
      const base = tempDir('bsup-sd-path-');
      // Twenty folders of 80 three-byte characters, after one whose name holds the forged fields.
      const binary = join(
        base,
        'x\nREADY=1\nMAINPID=1',
        ...Array.from({ length: 20 }, () => '€'.repeat(80)),
        'backend',
      );
      const server = await startHeadless({ NOTIFY_SOCKET: s.path, GO_BACKEND_BINARY: binary });
      cleanups.push(() => server.stop());
      await pollUntil(
        () => s.messages().some((m) => /^backend crashed/.test(m.fields.STATUS ?? '')),
        30_000,
        50,
        'the crash in STATUS=',
      );
      expect(await server.stop()).toBe(0);
      const messages = s.messages();
      for (const m of messages) expect(Buffer.byteLength(m.text)).toBeLessThanOrEqual(NOTIFY_DATAGRAM_MAX);
      // The line breaks of the path are spaces in one STATUS= line: no READY=1, no MAINPID=.
      expect(messages.filter((m) => m.fields.READY !== undefined || m.fields.MAINPID !== undefined)).toEqual([]);
      const crashed = messages.find((m) => /^backend crashed/.test(m.fields.STATUS ?? ''))!;
      expect(Object.keys(crashed.fields)).toEqual(['STATUS']);
      expect(crashed.fields.STATUS).toMatch(/ READY=1 MAINPID=1\/€+.*…$/);
      // Nor in the journal (serve's console under systemd): the start's outcome is one line too.
      expect(
        server
          .output()
          .split('\n')
          .filter((line) => /^(READY|MAINPID)=/.test(line)),
      ).toEqual([]);
    }, 60_000);

    it.each([[1], [2]])(
      'SIGTERM ×%i before the backend is healthy: STOPPING=1 once, never READY=1, exit 0',
      async (signals) => {
        const s = await socket();
        const dir = tempDir('bsup-sd-early-');
        const port = await freePort();
        // Health answers 503 for a minute: the start is far from done when SIGTERM comes.
        const server = await startHeadless({
          NOTIFY_SOCKET: s.path,
          GO_BACKEND_BINARY: process.execPath,
          BACKEND_ARGS: JSON.stringify([FAULT_BACKEND]),
          GO_BACKEND_URL: `http://127.0.0.1:${port}`,
          PORT: String(port),
          LISTENING_FILE: join(dir, 'listening'),
          READY_AFTER_MS: '60000',
        });
        cleanups.push(() => server.stop());
        await pollUntil(() => existsSync(join(dir, 'listening')), 30_000, 50, 'the backend listening, unhealthy');
        for (let i = 0; i < signals; i++) server.process.kill('SIGTERM');
        expect(await server.stop()).toBe(0);
        const lifecycle = s.messages().filter((m) => m.fields.WATCHDOG === undefined);
        expect(lifecycle.filter((m) => m.fields.READY !== undefined)).toEqual([]);
        expect(lifecycle.filter((m) => m.fields.STOPPING === '1').map((m) => m.fields.STATUS)).toEqual([
          'SIGTERM: stopping',
        ]);
      },
      60_000,
    );

    it('SIGKILL of the supervisor while systemd-notify waits on a socket nobody reads: the orphan ends by itself (its 5 s barrier)', async () => {
      // Bound, never read: each systemd-notify waits out its barrier for PID 1 to take the message.
      const dir = tempDir('bsup-sd-deaf-');
      const path = join(dir, 'notify.sock');
      const deaf = spawn(
        'python3',
        [
          '-c',
          'import socket,sys,time\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind(sys.argv[1])\ntime.sleep(600)',
          path,
        ],
        { stdio: 'ignore' },
      );
      cleanups.push(() => void deaf.kill('SIGKILL'));
      await pollUntil(() => existsSync(path), 10_000, 20, 'the deaf socket bound');
      const child = spawn(process.execPath, [BIN, 'serve', '--no-start', '--control-port', '0'], {
        env: {
          ...process.env,
          SUPERVISOR_DATA_DIR: tempDir('bsup-sd-kill-'),
          NOTIFY_SOCKET: path,
          WATCHDOG_USEC: '1000000',
          CONTROL_TOKEN: 'sd-token-0123456789abcdef0123456789',
        },
        stdio: 'ignore',
      });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const orphans: number[] = [];
      cleanups.push(async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
        for (const pid of orphans) killIfAlive(pid);
      });
      let sending: number[] = [];
      await pollUntil(
        () => (sending = childrenNamed(child.pid!, 'systemd-notify')).length > 0 || child.exitCode !== null,
        30_000,
        20,
        'a systemd-notify on its way',
      );
      orphans.push(...sending);
      expect(sending.length).toBeGreaterThan(0);
      child.kill('SIGKILL');
      await exited;
      // Reparented, it waits out systemd-notify's own 5 s barrier and exits: no stray.
      await pollUntil(() => sending.every((pid) => !alive(pid)), 20_000, 100, 'the orphaned systemd-notify gone');
    }, 60_000);

    it('a service added by a reload (SIGHUP) inherits none of systemd’s variables either', async () => {
      const s = await socket();
      const dir = tempDir('bsup-sd-reload-');
      chmodSync(dir, 0o755);
      const recorder = join(dir, 'record-env.mjs');
      const record = join(dir, 'late-env.json');
      writeFileSync(
        recorder,
        `import { writeFileSync } from 'node:fs';\n` +
          `const names = ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID'];\n` +
          `writeFileSync(${JSON.stringify(record)}, JSON.stringify(Object.fromEntries(names.map((n) => [n, process.env[n] ?? null]))));\n`,
      );
      const stackFile = join(dir, 'stack.yaml');
      const first = JSON.parse((await fixtureStackText(dir, { web: {} })).text) as {
        services: Record<string, Record<string, unknown>>;
      };
      writeFileSync(stackFile, JSON.stringify(first));
      const serve = await startServe(stackFile, {
        NOTIFY_SOCKET: s.path,
        WATCHDOG_USEC: '30000000',
        WATCHDOG_PID: '1',
      });
      cleanups.push(async () => {
        if (serve.process.exitCode === null) serve.process.kill('SIGTERM');
        await serve.exited;
      });
      await pollUntil(() => s.messages().some((m) => m.fields.READY === '1'), 45_000, 50, 'READY=1');
      // The reload adds a service whose process first records what it inherited.
      const late = JSON.parse((await fixtureStackText(dir, { late: {} })).text) as {
        services: Record<string, Record<string, unknown>>;
      };
      const lateService = late.services.late!;
      lateService.command = [process.execPath, '--import', recorder, ...(lateService.command as string[]).slice(1)];
      writeFileSync(stackFile, JSON.stringify({ services: { ...first.services, late: lateService } }));
      serve.process.kill('SIGHUP');
      await pollUntil(() => existsSync(record), 30_000, 50, 'the added service spawned');
      expect(JSON.parse(readFileSync(record, 'utf8'))).toEqual({
        NOTIFY_SOCKET: null,
        WATCHDOG_USEC: null,
        WATCHDOG_PID: null,
      });
      serve.process.kill('SIGTERM');
      expect(await serve.exited).toBe(0);
    }, 90_000);
  },
);

describe('serve with a systemd-notify that hangs', () => {
  it('SIGTERM while every send hangs: exits 0 once close() has waited its 10 s, its sends killed, none left', async () => {
    const dir = tempDir('bsup-sd-hang-');
    chmodSync(dir, 0o755);
    const calls = join(dir, 'calls');
    const pids = join(dir, 'pids');
    // Every call hangs: the first (the start's STATUS=) is still on its way when SIGTERM comes.
    writeFileSync(
      join(dir, 'systemd-notify'),
      `#!/bin/sh\necho $$ >> '${pids}'\necho "$@" >> '${calls}'\nexec /bin/sleep 600\n`,
      {
        mode: 0o755,
      },
    );
    cleanups.push(() => lines(pids).map(Number).forEach(killIfAlive));
    const server = await startHeadless({
      PATH: `${dir}:${process.env.PATH ?? ''}`,
      NOTIFY_SOCKET: join(dir, 'none.sock'),
    });
    cleanups.push(() => server.stop());
    await pollUntil(() => lines(calls).length >= 1, 30_000, 50, 'the first send');
    const stopAt = Date.now();
    expect(await server.stop()).toBe(0);
    console.log(`SIGTERM to exit with every send hung: ${Date.now() - stopAt} ms`);
    // It exited: no systemd-notify of it is left running.
    expect(lines(pids).map(Number).filter(alive)).toEqual([]);
    expect(lines(calls)[0]).toMatch(/^STATUS=dashboard http:\/\/127\.0\.0\.1:\d+; starting backend$/);
  }, 90_000);
});
