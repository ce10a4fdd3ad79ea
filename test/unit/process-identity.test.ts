/**
 * The pieces behind orphan reaping and the identity check: /proc readers, the verdict on a
 * pid file record, the refusal to signal pgid ≤ 1, the `#!` parser, and the group keeper's
 * program, each against real processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GroupKeeper, KEEPER_RESPAWN_DELAY_MS, KEEPER_SCRIPT } from '../../src/main/core/group-keeper';
import { SHEBANG_READ_BYTES, assertRunnable, parseShebang } from '../../src/main/core/launcher';
import { judgeRecord, signalGroupSafely } from '../../src/main/core/orphan-reaper';
import { MIN_SIGNALLABLE_PID, PidRecordSchema, processStartTime, type PidRecord } from '../../src/main/core/pid-file';
import {
  compareStartTimes,
  groupMembers,
  processEnvVar,
  readProcStat,
  runsExecutable,
} from '../../src/main/core/process-identity';
import { pollUntil, tempDir } from '../helpers/supervise';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

async function sleeper(
  env: Record<string, string> = {},
  command = process.execPath,
  args = ['-e', 'setInterval(() => {}, 1000)'],
) {
  const child = spawn(command, args, { detached: true, stdio: 'ignore', env: { ...process.env, ...env } });
  children.push(child);
  const pid = child.pid as number;
  await pollUntil(() => processStartTime(pid) !== null, 5_000, 10, 'the process to start');
  return pid;
}

function alive(pid: number): boolean {
  const stat = readProcStat(pid);
  return stat !== null && stat.state !== 'Z';
}

function record(pid: number, fields: Partial<PidRecord> = {}): PidRecord {
  return {
    pid,
    pgid: pid,
    start_time: processStartTime(pid),
    executable: process.execPath,
    instance_id: 'me',
    supervisor_pid: 999_999_999,
    written_at: new Date().toISOString(),
    ...fields,
  };
}

describe('/proc readers', () => {
  it('read the group, start time, environment and program of a live process', async () => {
    const pid = await sleeper({ SUPERVISOR_INSTANCE_ID: 'me' });
    const stat = readProcStat(pid);
    expect(stat).toMatchObject({ pid, pgrp: pid, session: pid, ppid: process.pid });
    expect(processEnvVar(pid, 'SUPERVISOR_INSTANCE_ID')).toBe('me');
    expect(processEnvVar(pid, 'NO_SUCH_VARIABLE_HERE')).toBeNull();
    expect(runsExecutable(pid, process.execPath)).toBe(true);
    expect(runsExecutable(pid, '/bin/sh')).toBe(false);
    expect(groupMembers(pid).map((m) => m.pid)).toEqual([pid]);
    expect(readProcStat(999_999_999)).toBeNull();
    expect(compareStartTimes('9', '10')).toBe(-1);
    expect(compareStartTimes('10', '10')).toBe(0);
  });

  it('a #! script runs as its interpreter and is recognised by its path in the arguments', async () => {
    const file = join(tempDir(), 'server.sh');
    writeFileSync(file, '#!/bin/sh\nwhile :; do sleep 1; done\n');
    chmodSync(file, 0o755);
    const pid = await sleeper({}, file, []);
    await pollUntil(() => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(file), 5_000, 10, 'the exec');
    expect(runsExecutable(pid, file)).toBe(true);
    expect(runsExecutable(pid, join(tempDir(), 'other.sh'))).toBe(false);
  });
});

describe('judgeRecord and signalGroupSafely', () => {
  it('never signals a pgid below 2 (kill(-1) would reach every process, kill(0) our own group)', () => {
    expect(MIN_SIGNALLABLE_PID).toBe(2);
    // Signal 0 only checks, so even a broken guard would harm nothing here.
    for (const pgid of [1, 0, -1, -5, 1.5, Number.NaN]) expect(signalGroupSafely(pgid, 0)).toBe(false);
    expect(judgeRecord(record(process.pid, { pid: 1, pgid: 1 }))).toMatchObject({ kind: 'refused' });
    // The schema's bound: 2 is the first pid / pgid a record may name.
    expect(PidRecordSchema.safeParse(record(process.pid, { pid: 2, pgid: 2 })).success).toBe(true);
    expect(PidRecordSchema.safeParse(record(process.pid, { pid: 2, pgid: 1 })).success).toBe(false);
  });

  it('a matching leader, a reused pid, a foreign group, a missing start time', async () => {
    const pid = await sleeper({ SUPERVISOR_INSTANCE_ID: 'me' });
    expect(judgeRecord(record(pid))).toEqual({ kind: 'leader', pgid: pid });
    expect(judgeRecord(record(pid, { start_time: '1' }))).toMatchObject({ kind: 'gone' });
    expect(judgeRecord(record(pid, { pgid: process.pid }))).toMatchObject({ kind: 'refused' });
    expect(judgeRecord(record(pid, { start_time: null }))).toMatchObject({ kind: 'refused' });
    expect(judgeRecord(record(pid, { instance_id: 'other' }))).toMatchObject({ kind: 'refused' });
  });
});

describe('parseShebang', () => {
  it('takes the interpreter and its one optional argument as the kernel does', () => {
    expect(parseShebang('#!/bin/sh\necho')).toEqual({ interpreter: '/bin/sh', arg: null });
    expect(parseShebang('#! /usr/bin/env node\n')).toEqual({ interpreter: '/usr/bin/env', arg: 'node' });
    // Only spaces and tabs separate: a CRLF file's `\r` is part of the argument, as exec sees it.
    expect(parseShebang('#!/bin/sh -e -x\r\n')).toEqual({ interpreter: '/bin/sh', arg: '-e -x\r' });
    expect(parseShebang('#!/bin/sh -e -x \t\n')).toEqual({ interpreter: '/bin/sh', arg: '-e -x' });
    expect(parseShebang('#!\n')).toBeNull();
    expect(parseShebang('\x7fELF')).toBeNull();
  });

  it('reads the #! line within SHEBANG_READ_BYTES; a longer first line is left to exec', () => {
    const dir = tempDir();
    const script = (line: string): string => {
      const file = join(dir, `s${line.length}`);
      writeFileSync(file, `${line}\nexit 0\n`);
      chmodSync(file, 0o755);
      return file;
    };
    // Past the 256 bytes older kernels read: still checked.
    const longMissing = `/nonexistent/${'i'.repeat(300)}`;
    expect(() => assertRunnable(script(`#!${longMissing}`))).toThrow(`interpreter not found: ${longMissing} `);
    // The bound: a line that ends in the last byte read is checked; one byte more is not judged.
    const fill = (total: number): string => `#!/nonexistent/x ${'a'.repeat(total - '#!/nonexistent/x '.length)}`;
    expect(fill(SHEBANG_READ_BYTES - 1) + '\n').toHaveLength(SHEBANG_READ_BYTES);
    expect(() => assertRunnable(script(fill(SHEBANG_READ_BYTES - 1)))).toThrow(
      'interpreter not found: /nonexistent/x ',
    );
    expect(() => assertRunnable(script(fill(SHEBANG_READ_BYTES)))).not.toThrow();
  });
});

describe('the group keeper', () => {
  it('at end of input kills the groups it holds, not released ones, and ignores a pgid below 2', async () => {
    const [held, released] = [await sleeper(), await sleeper()];
    const keeper = spawn('/bin/sh', ['-c', KEEPER_SCRIPT, 'keeper-test'], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    children.push(keeper);
    const exited = new Promise((resolve) => keeper.once('exit', resolve));
    // "+0" first: a keeper that took it would kill its own group (itself) before `held`.
    keeper.stdin?.end(['+0', '+abc', '+2x', `+${held}`, `+${released}`, `-${released}`, ''].join('\n'));
    await exited;
    await pollUntil(() => !alive(held), 2_000, 10, 'the held group to be killed');
    expect(alive(released)).toBe(true);
  });

  it('runs in its own session, ignores terminal and stop signals, and close() ends it without killing', async () => {
    const held = await sleeper();
    const keeper = new GroupKeeper();
    keeper.hold(held);
    const pid = keeper.pid as number;
    expect(readProcStat(pid)).toMatchObject({ pgrp: pid, session: pid });
    // The kernel's own account of ignored signals (bit n−1 for signal n): HUP, INT, QUIT, TERM.
    const ignored = (): bigint =>
      BigInt(`0x${/SigIgn:\s+([0-9a-f]+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]}`);
    const wanted = (1n << 0n) | (1n << 1n) | (1n << 2n) | (1n << 14n);
    await pollUntil(() => (ignored() & wanted) === wanted, 2_000, 10, 'the keeper to ignore HUP, INT, QUIT and TERM');
    keeper.close();
    await pollUntil(() => !alive(pid), 2_000, 10, 'the keeper to exit');
    expect(alive(held)).toBe(true);
  });

  it('a keeper killed while it holds groups is replaced after KEEPER_RESPAWN_DELAY_MS and told them again', async () => {
    const held = await sleeper();
    const keeper = new GroupKeeper();
    keeper.hold(held);
    const first = keeper.pid as number;
    const t0 = performance.now();
    process.kill(first, 'SIGKILL');
    await pollUntil(() => keeper.pid !== null && keeper.pid !== first, 5_000, 10, 'a new keeper');
    // A timer never fires early: the bound holds on any machine.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(KEEPER_RESPAWN_DELAY_MS - 5);
    expect(keeper.groups).toEqual([held]);
    // End its input as a dying supervisor would (the pipe is private: reach it for the test).
    (keeper as unknown as { child: ChildProcess }).child.stdin?.end();
    await pollUntil(() => !alive(held), 2_000, 10, 'the new keeper to kill the held group');
  });
});
