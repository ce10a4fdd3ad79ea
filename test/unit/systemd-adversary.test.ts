/**
 * SystemdNotifier under attack, with real processes: STATUS text of any length or bytes, a
 * systemd-notify that hangs (with a child of its own holding its stderr), a flood of
 * messages behind a slow send, close() while a send hangs, and WATCHDOG_USEC / WATCHDOG_PID
 * values systemd would not set.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemdNotifier } from '../../src/main/core/systemd/notifier';
import { bindNotifySocket, python3, type NotifySocket } from '../helpers/notify-socket';
import { pollUntil, tempDir } from '../helpers/supervise';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

const PATH = process.env.PATH ?? '';

/** systemd's limit on one notify datagram, bytes: PID 1 reads into NOTIFY_BUFFER_MAX (PIPE_BUF) and drops a longer one whole. */
const NOTIFY_DATAGRAM_MAX = 4096;

async function socket(): Promise<NotifySocket> {
  const s = await bindNotifySocket();
  cleanups.push(() => s.close());
  return s;
}

/** A notifier reading `env`, its warnings collected; closed (briefly) after the test. */
function notifierFor(
  env: NodeJS.ProcessEnv,
  sendTimeoutMs?: number,
): { notifier: SystemdNotifier; warnings: string[] } {
  const warnings: string[] = [];
  const notifier = SystemdNotifier.fromEnvironment({
    env,
    warn: (line) => warnings.push(line),
    ...(sendTimeoutMs !== undefined ? { sendTimeoutMs } : {}),
  });
  cleanups.push(() => notifier.close(1_000));
  return { notifier, warnings };
}

/** Whether `pid` is a live process (not a zombie). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Kills each pid listed (one a line) in `file`, if still there: no strays. */
function killListed(file: string): void {
  if (!existsSync(file)) return;
  for (const pid of readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

/** A folder with a stand-in `systemd-notify` running `body` (sh); `$D` is the folder. */
function standIn(body: string): string {
  const dir = tempDir('bsup-sd-adv-');
  writeFileSync(join(dir, 'systemd-notify'), `#!/bin/sh\nD='${dir}'\necho $$ >> "$D/pids"\n${body}\n`, {
    mode: 0o755,
  });
  cleanups.push(() => {
    killListed(join(dir, 'pids'));
    killListed(join(dir, 'sleeper.pid'));
  });
  return dir;
}

const lines = (file: string): string[] =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];

describe.skipIf(python3() === null)(
  `SystemdNotifier attacked${python3() === null ? ' (skipped: no python3 to bind the socket; apt-get install python3)' : ''}`,
  () => {
    it('cuts a STATUS to fit one datagram systemd takes (≤ 4096 bytes), on a character boundary, READY=1 kept', async () => {
      const s = await socket();
      const { notifier, warnings } = notifierFor({ PATH, NOTIFY_SOCKET: s.path });
      // Three bytes a character in UTF-8: 15,000 bytes of text a backend (or a path) may put in a reason.
      notifier.ready(`backend running: ${'€'.repeat(5_000)}`);
      await notifier.close();
      const [message] = s.messages();
      expect(message?.fields.READY).toBe('1');
      expect(Buffer.byteLength(message!.text)).toBeLessThanOrEqual(NOTIFY_DATAGRAM_MAX);
      expect(message!.fields.STATUS).toMatch(/^backend running: €+…$/);
      expect(message!.text).not.toContain('\ufffd'); // no character cut in half
      expect(warnings).toEqual([]);
    });

    it('a STATUS beyond the kernel’s limit for one argument (128 KiB) neither throws nor stops later messages', async () => {
      const s = await socket();
      const { notifier, warnings } = notifierFor({ PATH, NOTIFY_SOCKET: s.path });
      expect(() => notifier.status(`huge ${'x'.repeat(200_000)}`)).not.toThrow();
      await notifier.flush();
      notifier.ready('ready after it');
      await notifier.close();
      expect(s.messages().map((m) => m.fields.READY ?? null)).toContain('1');
      expect(s.messages().find((m) => m.fields.READY === '1')?.fields.STATUS).toBe('ready after it');
      expect(warnings).toEqual([]);
    });

    it('control characters and line breaks in a STATUS forge no field (READY=1, MAINPID=)', async () => {
      const s = await socket();
      const { notifier } = notifierFor({ PATH, NOTIFY_SOCKET: s.path });
      notifier.status('db crashed\nREADY=1\r\nMAINPID=1\u0000\u2028WATCHDOG=trigger\u0085ERRNO=5');
      await notifier.close();
      expect(s.messages()).toHaveLength(1);
      expect(Object.keys(s.messages()[0]!.fields)).toEqual(['STATUS']);
      expect(s.messages()[0]!.text.split('\n')).toHaveLength(1);
    });
  },
);

describe('NOTIFY_SOCKET values nobody serves, with the real systemd-notify', () => {
  const file = join(tempDir('bsup-sd-file-'), 'plain');
  writeFileSync(file, 'not a socket');
  const cases: [string, string][] = [
    ['an abstract name nobody bound', `@bsup-nobody-${process.pid}-${Date.now()}`],
    ['a relative path', 'relative/notify.sock'],
    ['a plain file', file],
    ['a folder', tempDir('bsup-sd-folder-')],
  ];
  it.each(cases)('%s: each send fails at once, one warning in all, no child left', async (_what, value) => {
    const { notifier, warnings } = notifierFor({ PATH, NOTIFY_SOCKET: value });
    for (let i = 0; i < 3; i++) {
      notifier.status(`n${i}`);
      await notifier.flush(30_000);
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^systemd-notify STATUS=n0 failed: \S/);
    await notifier.close();
  });
});

describe('SystemdNotifier with a hostile systemd-notify', () => {
  it('one that hangs, its own child holding its stderr: killed with that child after the send timeout, and the next message goes out', async () => {
    // The first call never ends: a background sleep keeps the stderr pipe open after its shell is killed.
    const dir = standIn(
      `echo "$@" >> "$D/calls"\nif [ ! -e "$D/hung" ]; then : > "$D/hung"; /bin/sleep 600 & echo $! > "$D/sleeper.pid"; wait; fi`,
    );
    const { notifier, warnings } = notifierFor({ PATH: dir, NOTIFY_SOCKET: '/run/none.sock' }, 500);
    notifier.status('first');
    await pollUntil(() => existsSync(join(dir, 'sleeper.pid')), 10_000, 20, 'the hanging send');
    const sleeper = Number(readFileSync(join(dir, 'sleeper.pid'), 'utf8'));
    notifier.status('second');
    await pollUntil(() => lines(join(dir, 'calls')).length >= 2, 20_000, 50, 'the message after the hung one');
    expect(lines(join(dir, 'calls'))).toEqual(['STATUS=first', 'STATUS=second']);
    // The hung one's whole process group went: no stray sleep.
    await pollUntil(() => !alive(sleeper), 10_000, 50, 'the hung send’s child killed');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^systemd-notify STATUS=first failed: .*(timed out|SIGKILL)/);
  }, 40_000);

  it('one that exits but leaves a child holding its stderr: the next message goes out all the same', async () => {
    const dir = standIn(
      `echo "$@" >> "$D/calls"\nif [ ! -e "$D/left" ]; then : > "$D/left"; /bin/sleep 600 & echo $! > "$D/sleeper.pid"; fi`,
    );
    const { notifier } = notifierFor({ PATH: dir, NOTIFY_SOCKET: '/run/none.sock' }, 60_000);
    notifier.status('first');
    await pollUntil(() => existsSync(join(dir, 'sleeper.pid')), 10_000, 20, 'the first send');
    notifier.status('second');
    await pollUntil(() => lines(join(dir, 'calls')).length >= 2, 20_000, 50, 'the message after it');
    expect(lines(join(dir, 'calls'))).toEqual(['STATUS=first', 'STATUS=second']);
  }, 40_000);

  it('an environment the kernel refuses (a variable over 128 KiB: spawn throws E2BIG): one warning, no throw', async () => {
    const dir = standIn(`echo "$@" >> "$D/calls"`);
    const { notifier, warnings } = notifierFor({
      PATH: dir,
      NOTIFY_SOCKET: '/run/none.sock',
      BIG: 'x'.repeat(200_000),
    });
    expect(() => notifier.ready('r')).not.toThrow();
    expect(() => notifier.status('s')).not.toThrow();
    await notifier.flush();
    notifier.stopping('t');
    await notifier.close();
    expect(warnings).toEqual([expect.stringMatching(/^systemd-notify READY=1 STATUS=r failed: .*E2BIG/)]);
  });

  it('a flood behind a slow send: one systemd-notify at a time, the waiting messages merged into one', async () => {
    // Each call waits for the go file: the first is slow while 1,000 more are given.
    const dir = standIn(
      `echo "start" >> "$D/log"\nwhile [ ! -e "$D/go" ]; do /bin/sleep 0.05; done\necho "$@" >> "$D/calls"\necho "end" >> "$D/log"`,
    );
    const { notifier } = notifierFor({ PATH: dir, NOTIFY_SOCKET: '/run/none.sock' });
    notifier.ready('r');
    await pollUntil(() => lines(join(dir, 'log')).length >= 1, 10_000, 20, 'the first send');
    for (let i = 0; i < 1_000; i++) notifier.status(`s${i}`);
    writeFileSync(join(dir, 'go'), '');
    await notifier.flush(30_000);
    expect(lines(join(dir, 'calls'))).toEqual(['READY=1 STATUS=r', 'STATUS=s999']);
    // Never two at once: each start follows the last one's end.
    expect(lines(join(dir, 'log'))).toEqual(['start', 'end', 'start', 'end']);
  }, 40_000);

  it('close() while a send hangs: returns in its time, kills that send, and starts none of the waiting ones', async () => {
    const dir = standIn(`echo "$@" >> "$D/calls"\nexec /bin/sleep 600`);
    // A send timeout far beyond the test: only close() may end the hung one.
    const { notifier } = notifierFor({ PATH: dir, NOTIFY_SOCKET: '/run/none.sock' }, 120_000);
    notifier.ready('r');
    await pollUntil(() => lines(join(dir, 'calls')).length === 1, 10_000, 20, 'the hanging send');
    notifier.stopping('SIGTERM: stopping');
    const hung = Number(lines(join(dir, 'pids'))[0]);
    const before = Date.now();
    await notifier.close(300);
    expect(Date.now() - before).toBeLessThan(10_000);
    // The process can exit now: no child of the notifier left to wait for.
    await pollUntil(() => !alive(hung), 10_000, 50, 'the hung send killed');
    // What was still waiting (STOPPING=1) is not sent after close(): a settle long enough for a spawn.
    await new Promise((r) => setTimeout(r, 500));
    expect(lines(join(dir, 'calls'))).toEqual(['READY=1 STATUS=r']);
  }, 40_000);

  it('a directory named systemd-notify earlier on PATH is passed over', async () => {
    const first = tempDir('bsup-sd-dir-');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(first, 'systemd-notify'));
    const dir = standIn(`echo "$@" >> "$D/calls"`);
    const { notifier, warnings } = notifierFor({ PATH: `${first}:${dir}`, NOTIFY_SOCKET: '/run/none.sock' });
    notifier.status('x');
    await notifier.close();
    expect(lines(join(dir, 'calls'))).toEqual(['STATUS=x']);
    expect(warnings).toEqual([]);
  });
});

describe('WATCHDOG_USEC and WATCHDOG_PID systemd would not set', () => {
  const cases: [string, number | null][] = [
    ['0', null],
    ['-2000000', null],
    ['', null],
    ['1.5', null],
    [' 2000000', null],
    ['2000000\n', null],
    ['0x1000', null],
    ['99999999999999999999', null], // beyond 2^53: no exact number
    ['1', 100], // the fastest ping: each one is a process
    ['4294967296000', 2 ** 31 - 1], // half is beyond Node's longest timer (2^31-1 ms): as often as a timer can
    ['9007199254740991', 2 ** 31 - 1],
  ];
  it.each(cases)('WATCHDOG_USEC=%j: ping every %s ms', (usec, interval) => {
    const dir = standIn(`echo "$@" >> "$D/calls"`);
    const { notifier, warnings } = notifierFor({ PATH: dir, NOTIFY_SOCKET: '/run/none.sock', WATCHDOG_USEC: usec });
    expect(notifier.watchdogIntervalMs).toBe(interval);
    expect(warnings).toEqual(interval === null ? [expect.stringMatching(/^WATCHDOG_USEC=.* no watchdog pings$/)] : []);
  });

  it('a watchdog interval beyond the timer limit starts no TimeoutOverflowWarning (a 1 ms busy ping)', async () => {
    const dir = standIn(`echo "$@" >> "$D/calls"`);
    const seen: string[] = [];
    const onWarning = (w: Error): void => void seen.push(w.name);
    process.on('warning', onWarning);
    cleanups.push(() => void process.off('warning', onWarning));
    const { notifier } = notifierFor({ PATH: dir, NOTIFY_SOCKET: '/run/none.sock', WATCHDOG_USEC: '9007199254740991' });
    notifier.startWatchdog();
    await notifier.flush();
    await new Promise((r) => setTimeout(r, 300)); // a 1 ms interval would have pinged a hundred times
    await notifier.close();
    expect(seen).not.toContain('TimeoutOverflowWarning');
    expect(lines(join(dir, 'calls'))).toEqual(['WATCHDOG=1']);
  });

  it.each([['1'], ['garbage'], [''], [`${process.pid} `]])('WATCHDOG_PID=%j (not this process): no pings', (pid) => {
    const dir = standIn(`echo "$@" >> "$D/calls"`);
    const { notifier } = notifierFor({
      PATH: dir,
      NOTIFY_SOCKET: '/run/none.sock',
      WATCHDOG_USEC: '2000000',
      WATCHDOG_PID: pid,
    });
    expect(notifier.watchdogIntervalMs).toBeNull();
  });
});
