/**
 * Issue 9, item 9: the pid file's identity check. A forged or stale record must never make
 * the next start signal a process that is not the recorded backend: every recorded field
 * is compared with the live process (real processes, read through /proc), and a group id
 * below 2 is refused by the schema. Driven through the supervisor's first start, which
 * reaps what the pid file names before it spawns.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SupervisorConfigSchema } from '../../src/shared/config';
import { SupervisorError } from '../../src/main/core/errors';
import type { HealthProbe, ProbeOutcome } from '../../src/main/core/health-probe';
import type { Launcher } from '../../src/main/core/launcher';
import { LogStore } from '../../src/main/core/log-store';
import { PidFile, processStartTime, type PidRecord } from '../../src/main/core/pid-file';
import { Supervisor } from '../../src/main/core/supervisor';
import { pollUntil, tempDir } from '../helpers/supervise';

const PREVIOUS = 'instance-of-the-previous-supervisor';

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

/** A sleeping node process leading its own process group, with `env` added. */
async function groupLeader(env: Record<string, string> = {}): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, ...env },
  });
  children.push(child);
  const pid = child.pid as number;
  await pollUntil(() => processStartTime(pid) !== null, 5_000, 10, 'the process to start');
  return pid;
}

/**
 * A process group whose leader (sh) is gone while its member (a sleeping node) lives on,
 * as after a supervisor death; the member carries `env`. Returns the leader's pid and
 * start time and the member's pid.
 */
async function leaderlessGroup(
  env: Record<string, string>,
): Promise<{ leader: number; start: string; member: number }> {
  const sh = spawn('/bin/sh', ['-c', `"${process.execPath}" -e 'setInterval(() => {}, 1000)' & echo $!; read x`], {
    detached: true,
    stdio: ['pipe', 'pipe', 'ignore'],
    env: { ...process.env, ...env },
  });
  children.push(sh);
  const leader = sh.pid as number;
  const member = await new Promise<number>((resolve) => sh.stdout?.once('data', (c: Buffer) => resolve(Number(c))));
  const start = processStartTime(leader) as string;
  const exited = new Promise((resolve) => sh.once('exit', resolve));
  sh.stdin?.end('go\n');
  await exited;
  await pollUntil(() => processStartTime(leader) === null, 5_000, 10, 'the leader to be gone');
  return { leader, start, member };
}

/** Alive and not a zombie (a killed orphan waits for init to reap it). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function record(pid: number, fields: Partial<PidRecord> = {}): PidRecord {
  return {
    pid,
    pgid: pid,
    start_time: processStartTime(pid),
    executable: process.execPath,
    instance_id: PREVIOUS,
    supervisor_pid: 999_999_999,
    written_at: new Date().toISOString(),
    ...fields,
  };
}

/** A launcher that refuses at once: the start does nothing but reap (or not) and fail. */
const refusingLauncher: Launcher = {
  launch: () => Promise.reject(new SupervisorError('COMMAND_NOT_FOUND', 'not launched in this test')),
};

/** Nobody serves the port. */
const silentProbe: HealthProbe = {
  probe: () =>
    Promise.resolve({
      ok: false,
      at: new Date().toISOString(),
      latency_ms: 0,
      status_code: null,
      error: 'connection refused',
    } as ProbeOutcome),
  close: () => Promise.resolve(),
} as HealthProbe;

/** Writes `rec` as the pid file of a fresh data folder and runs a supervisor's first start there. */
async function firstStartWith(rec: PidRecord | object): Promise<{ logs: string[]; pidFile: PidFile }> {
  const dataDir = tempDir();
  const pidFile = new PidFile(join(dataDir, 'backend.pid'));
  writeFileSync(pidFile.path, JSON.stringify(rec));
  const logs = new LogStore(100);
  const supervisor = new Supervisor({
    config: SupervisorConfigSchema.parse({
      command: process.execPath,
      backendUrl: 'http://127.0.0.1:9',
      stopTimeoutMs: 1_000,
      dataDir,
    }),
    launcher: refusingLauncher,
    probe: silentProbe,
    logs,
    pidFile,
  });
  await supervisor.start('user-ui');
  await supervisor.dispose();
  return { logs: logs.tail(100).map((l) => l.text), pidFile };
}

describe('pid file identity', () => {
  it('reaps a leftover whose every field matches (the control case)', async () => {
    const backend = await groupLeader({ SUPERVISOR_INSTANCE_ID: PREVIOUS });
    await firstStartWith(record(backend));
    await pollUntil(() => !alive(backend), 5_000, 10, 'the leftover to be reaped');
  });

  it('a forged record (pid A with its true start time, pgid B) kills neither A nor group B', async () => {
    const a = await groupLeader({ SUPERVISOR_INSTANCE_ID: PREVIOUS });
    const b = await groupLeader({ SUPERVISOR_INSTANCE_ID: PREVIOUS });
    const { logs } = await firstStartWith(record(a, { pgid: b }));
    expect(alive(b)).toBe(true);
    expect(alive(a)).toBe(true);
    expect(logs.join('\n')).toMatch(`process group ${b} is not led by pid ${a}`);
  });

  it('a record naming another executable leaves the process alone', async () => {
    const a = await groupLeader({ SUPERVISOR_INSTANCE_ID: PREVIOUS });
    const { logs } = await firstStartWith(record(a, { executable: '/bin/false' }));
    expect(alive(a)).toBe(true);
    expect(logs.join('\n')).toMatch(`pid ${a} does not run the recorded /bin/false`);
  });

  it('a record naming another supervisor instance leaves the process alone', async () => {
    const a = await groupLeader({ SUPERVISOR_INSTANCE_ID: 'someone-else' });
    const { logs } = await firstStartWith(record(a));
    expect(alive(a)).toBe(true);
    expect(logs.join('\n')).toMatch(`its SUPERVISOR_INSTANCE_ID is someone-else`);
  });

  it('a process with no instance id in its environment is not taken for the recorded backend', async () => {
    const a = await groupLeader();
    await firstStartWith(record(a));
    expect(alive(a)).toBe(true);
  });

  it('pgid 1 (kill(-1): every process) or pid 1 is refused by the schema, before anything is signalled', () => {
    const file = new PidFile(join(tempDir(), 'backend.pid'));
    const why: string[] = [];
    for (const forged of [record(process.pid, { pgid: 1 }), record(1, { pgid: 2 }), record(process.pid, { pgid: 0 })]) {
      writeFileSync(file.path, JSON.stringify(forged));
      expect(file.read((w) => why.push(w))).toBeNull();
    }
    expect(why).toHaveLength(3);
    expect(why[0]).toMatch(/pgid/);
  });

  it('the leader gone, members of its group carrying the recorded instance id are reaped', async () => {
    const { leader, start, member } = await leaderlessGroup({ SUPERVISOR_INSTANCE_ID: PREVIOUS });
    expect(alive(member)).toBe(true);
    await firstStartWith(record(leader, { start_time: start, executable: '/bin/sh' }));
    await pollUntil(() => !alive(member), 5_000, 10, 'the member to be reaped');
  });

  it('the leader gone, a group whose members carry another instance id is left alone', async () => {
    const { leader, start, member } = await leaderlessGroup({ SUPERVISOR_INSTANCE_ID: 'someone-else' });
    const { logs } = await firstStartWith(record(leader, { start_time: start, executable: '/bin/sh' }));
    expect(alive(member)).toBe(true);
    expect(logs.join('\n')).toMatch(`belongs to supervisor instance someone-else`);
  });
});
