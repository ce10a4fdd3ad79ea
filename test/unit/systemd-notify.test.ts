/**
 * SystemdNotifier against a real NOTIFY_SOCKET (a unix datagram socket bound by Python) with
 * Debian's real systemd-notify: what goes out, in which order, the watchdog's pace and its
 * silence while the event loop is blocked, and nothing at all without NOTIFY_SOCKET.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STATUS_MAX_BYTES, SystemdNotifier } from '../../src/main/core/systemd/notifier';
import { bindNotifySocket, python3, type NotifySocket } from '../helpers/notify-socket';
import { pollUntil, tempDir } from '../helpers/supervise';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function socket(): Promise<NotifySocket> {
  const s = await bindNotifySocket();
  cleanups.push(() => s.close());
  return s;
}

/** A notifier reading `env`, its warnings collected. */
function notifierFor(env: NodeJS.ProcessEnv): { notifier: SystemdNotifier; warnings: string[] } {
  const warnings: string[] = [];
  const notifier = SystemdNotifier.fromEnvironment({ env, warn: (line) => warnings.push(line) });
  cleanups.push(() => notifier.close());
  return { notifier, warnings };
}

/** A folder holding a stand-in `systemd-notify` that records each call in `calls`. */
function recordingStandIn(): { dir: string; calls: string } {
  const dir = tempDir('bsup-fake-notify-');
  const calls = join(dir, 'calls');
  const file = join(dir, 'systemd-notify');
  writeFileSync(file, `#!/bin/sh\necho "$@" >> '${calls}'\n`);
  chmodSync(file, 0o755);
  return { dir, calls };
}

/** Blocks this thread (the event loop) for `ms`. */
function blockLoop(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const PATH = process.env.PATH ?? '';

describe.skipIf(python3() === null)(
  `SystemdNotifier with a real NOTIFY_SOCKET${python3() === null ? ' (skipped: no python3 to bind the socket; apt-get install python3)' : ''}`,
  () => {
    it('sends nothing and runs nothing without NOTIFY_SOCKET, WATCHDOG_USEC or not', async () => {
      const standIn = recordingStandIn();
      const { notifier, warnings } = notifierFor({ PATH: standIn.dir, WATCHDOG_USEC: '200000' });
      expect(notifier.enabled).toBe(false);
      notifier.startWatchdog();
      notifier.ready('up');
      notifier.status('still up');
      notifier.stopping('going');
      await new Promise((r) => setTimeout(r, 500)); // a would-be ping every 100 ms
      await notifier.close();
      expect(existsSync(standIn.calls)).toBe(false);
      expect(warnings).toEqual([]);
    });

    it('takes systemd’s variables out of the environment, so no service inherits them', async () => {
      const s = await socket();
      const env: NodeJS.ProcessEnv = {
        PATH,
        NOTIFY_SOCKET: s.path,
        WATCHDOG_USEC: '30000000',
        WATCHDOG_PID: '1',
        KEEP: 'x',
      };
      notifierFor(env);
      expect(env).toEqual({ PATH, KEEP: 'x' });
    });

    it('sends READY=1, STATUS= and STOPPING=1 in order, merging what piles up behind a slow send', async () => {
      const s = await socket();
      const { notifier, warnings } = notifierFor({ PATH, NOTIFY_SOCKET: s.path });
      expect(notifier.enabled).toBe(true);
      notifier.ready('backend running');
      notifier.status('one');
      notifier.status('two\nlines');
      notifier.stopping('SIGTERM: stopping');
      await notifier.close();
      const fields = s.messages().map((m) => m.fields);
      expect(fields).toEqual([
        { READY: '1', STATUS: 'backend running' },
        // Queued behind the first: merged, the last STATUS kept, on one line.
        { STOPPING: '1', STATUS: 'SIGTERM: stopping' },
      ]);
      expect(warnings).toEqual([]);

      notifier.status('after close');
      await new Promise((r) => setTimeout(r, 300));
      expect(s.messages()).toHaveLength(2);
    });

    it('never merges STOPPING=1 into a waiting READY=1 (systemd keeps only the last of them)', async () => {
      const s = await socket();
      const { notifier } = notifierFor({ PATH, NOTIFY_SOCKET: s.path });
      notifier.status('first');
      notifier.ready('ready');
      notifier.stopping('stopping');
      await notifier.close();
      expect(s.messages().map((m) => m.fields)).toEqual([
        { STATUS: 'first' },
        { READY: '1', STATUS: 'ready' },
        { STOPPING: '1', STATUS: 'stopping' },
      ]);
    });

    it('never merges READY=1 into a waiting RELOADING=1: a quick reload still shows as one', async () => {
      const s = await socket();
      const { notifier } = notifierFor({ PATH, NOTIFY_SOCKET: s.path });
      notifier.status('first');
      notifier.reloading('reloading');
      notifier.ready('reloaded');
      await notifier.close();
      const fields = s.messages().map((m) => m.fields);
      expect(fields).toEqual([
        { STATUS: 'first' },
        { RELOADING: '1', MONOTONIC_USEC: expect.stringMatching(/^\d+$/), STATUS: 'reloading' },
        { READY: '1', STATUS: 'reloaded' },
      ]);
    });

    it('pings WATCHDOG=1 every WATCHDOG_USEC/2 while the event loop turns, and not while it is blocked', async () => {
      const s = await socket();
      // 0.8 s: a ping every 400 ms.
      const { notifier } = notifierFor({
        PATH,
        NOTIFY_SOCKET: s.path,
        WATCHDOG_USEC: '800000',
        WATCHDOG_PID: String(process.pid),
      });
      expect(notifier.watchdogIntervalMs).toBe(400);
      notifier.startWatchdog();
      const pings = (): number[] =>
        s
          .messages()
          .filter((m) => m.fields.WATCHDOG === '1')
          .map((m) => m.at);
      await pollUntil(() => pings().length >= 6, 20_000, 50, 'six watchdog pings');
      const at = pings();
      const gaps = at.slice(1).map((t, i) => t - at[i]!);
      const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)]!;
      // Half the watchdog's time, not the whole of it (nor a busy loop); a slow machine only adds.
      expect(median).toBeGreaterThan(400 * 0.6);
      expect(median).toBeLessThan(400 * 1.6);

      // Blocked for five intervals: at most the one already on its way arrives meanwhile.
      const blockedFrom = Date.now();
      blockLoop(2_000);
      const blockedTo = Date.now();
      const countBefore = pings().length;
      await pollUntil(() => pings().length >= countBefore + 2, 20_000, 50, 'pings again after the block');
      const during = pings().filter((t) => t > blockedFrom && t < blockedTo);
      expect(during.length).toBeLessThanOrEqual(1);
    }, 60_000);

    it('does not ping for another process (WATCHDOG_PID) nor for a WATCHDOG_USEC that is no number', () => {
      const other = notifierFor({ PATH, NOTIFY_SOCKET: '/nonexistent', WATCHDOG_USEC: '1000000', WATCHDOG_PID: '1' });
      expect(other.notifier.watchdogIntervalMs).toBeNull();
      expect(other.warnings).toEqual([]);
      const bad = notifierFor({ PATH, NOTIFY_SOCKET: '/nonexistent', WATCHDOG_USEC: '1e6' });
      expect(bad.notifier.watchdogIntervalMs).toBeNull();
      expect(bad.warnings).toEqual(['WATCHDOG_USEC="1e6" is not a number of microseconds: no watchdog pings']);
    });

    it('without systemd-notify on PATH: one warning, then nothing', async () => {
      const empty = tempDir('bsup-no-notify-');
      const { notifier, warnings } = notifierFor({
        PATH: empty,
        NOTIFY_SOCKET: '/nonexistent',
        WATCHDOG_USEC: '1000000',
      });
      expect(notifier.enabled).toBe(false);
      notifier.ready('x');
      await notifier.close();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/NOTIFY_SOCKET is set but systemd-notify is not on PATH .*watchdog will stop it/);
    });

    it('STATUS= at its bound: 2,048 bytes whole, one more cut to whole characters with …; a 1 MiB reason cut too', async () => {
      const s = await socket();
      const { notifier, warnings } = notifierFor({ PATH, NOTIFY_SOCKET: s.path });
      const atBound = 'a'.repeat(STATUS_MAX_BYTES);
      // Two-byte characters over the bound: the cut may not split one.
      const over = `b${'я'.repeat(STATUS_MAX_BYTES / 2)}`;
      for (const text of [atBound, `${atBound}c`, over, 'x'.repeat(1024 * 1024)]) {
        notifier.status(text);
        await notifier.flush();
      }
      await notifier.close();
      const statuses = s.messages().map((m) => m.fields.STATUS ?? '');
      expect(statuses).toHaveLength(4);
      expect(statuses[0]).toBe(atBound);
      expect(statuses[1]).toBe(`${'a'.repeat(STATUS_MAX_BYTES - 3)}…`);
      expect(Buffer.byteLength(statuses[2]!)).toBeLessThanOrEqual(STATUS_MAX_BYTES);
      expect(statuses[2]).toMatch(/^bя+…$/);
      expect(statuses[2]).toBe(`b${'я'.repeat((STATUS_MAX_BYTES - 4) / 2)}…`);
      expect(statuses[3]).toBe(`${'x'.repeat(STATUS_MAX_BYTES - 3)}…`);
      expect(warnings).toEqual([]);
    });

    it('a reason with newlines and control characters stays one STATUS= field: no READY=1 or other field forged', async () => {
      const s = await socket();
      const { notifier } = notifierFor({ PATH, NOTIFY_SOCKET: s.path });
      notifier.status('not started: bad\nREADY=1\r\nMAINPID=1\u0000\u001b[31mERRNO=5\u007f');
      await notifier.close();
      expect(s.messages().map((m) => m.fields)).toEqual([
        { STATUS: 'not started: bad READY=1 MAINPID=1 [31mERRNO=5 ' },
      ]);
    });

    it('reloads piling up behind a systemd-notify that hangs keep at most three messages waiting, the last reload told whole', async () => {
      const s = await socket();
      // Each send waits until the gate exists (PID 1 busy), then is the real one.
      const dir = tempDir('bsup-slow-notify-');
      const gate = join(dir, 'gate');
      const real = spawnSync('sh', ['-c', 'command -v systemd-notify'], { encoding: 'utf8' }).stdout.trim();
      writeFileSync(
        join(dir, 'systemd-notify'),
        `#!/bin/sh\nwhile [ ! -e '${gate}' ]; do sleep 0.05; done\nexec '${real}' "$@"\n`,
      );
      chmodSync(join(dir, 'systemd-notify'), 0o755);
      const { notifier, warnings } = notifierFor({ PATH: `${dir}:${PATH}`, NOTIFY_SOCKET: s.path });
      notifier.ready('up');
      for (let i = 1; i <= 100; i++) {
        // A SIGHUP during a reload says RELOADING=1 again before the READY=1.
        notifier.reloading(`reloading ${i}`);
        notifier.reloading(`reloading ${i} again`);
        notifier.ready(`reloaded ${i}`);
      }
      writeFileSync(gate, '');
      await notifier.flush();
      expect(s.messages().map((m) => m.fields)).toEqual([
        { READY: '1', STATUS: 'up' },
        { RELOADING: '1', MONOTONIC_USEC: expect.stringMatching(/^\d+$/), STATUS: 'reloading 100 again' },
        { READY: '1', STATUS: 'reloaded 100' },
      ]);
      // A stop after reloads still waiting: READY=1 then STOPPING=1, nothing of the reloads between.
      rmSync(gate);
      notifier.status('held');
      for (let i = 1; i <= 3; i++) {
        notifier.reloading(`reloading ${i}`);
        notifier.ready(`reloaded ${i}`);
      }
      notifier.stopping('SIGTERM: stopping');
      writeFileSync(gate, '');
      await notifier.close();
      expect(
        s
          .messages()
          .slice(3)
          .map((m) => m.fields),
      ).toEqual([{ STATUS: 'held' }, { STOPPING: '1', STATUS: 'SIGTERM: stopping' }]);
      expect(warnings).toEqual([]);
    });

    it('a socket nobody listens on: one warning for the first failure, not one per message', async () => {
      const gone = join(tempDir('bsup-gone-'), 'none.sock');
      const { notifier, warnings } = notifierFor({ PATH, NOTIFY_SOCKET: gone });
      for (let i = 0; i < 3; i++) {
        notifier.status(`n${i}`);
        await notifier.flush();
      }
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^systemd-notify STATUS=n0 failed: \S/);
    });
  },
);
