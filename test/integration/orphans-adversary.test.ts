/**
 * The group keeper under attack: killed alone while the backend runs, stopped (SIGSTOP)
 * before the supervisor dies, fed a line cut short, asked to kill a group whose pid was
 * reused by a stranger, not reading its input, and a storm of restarts. Real supervisors
 * (`backend-supervisor serve` where the supervisor must die), real keepers, real signals.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  GroupKeeper,
  KEEPER_MAX_BACKLOG_BYTES,
  KEEPER_RESPAWN_DELAY_MS,
  KEEPER_SCRIPT,
} from '../../src/main/core/group-keeper';
import { HttpHealthProbe } from '../../src/main/core/health-probe';
import { ProcessLauncher } from '../../src/main/core/launcher';
import { LogStore } from '../../src/main/core/log-store';
import { Supervisor } from '../../src/main/core/supervisor';
import { startHeadless, type HeadlessServer } from '../helpers/headless-server';
import { FAULT_BACKEND, freePort, pollUntil, tempDir, testConfig } from '../helpers/supervise';
import { aliveProcess as alive, cmdline, procStat as stat, processesWhere } from '../helpers/proc';
import { runEmfileSupervisor } from '../helpers/emfile';

/** The bound the issue sets: no member of the group lives this long after the supervisor died, ms. */
const ORPHAN_DEADLINE_MS = 2_000;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

function keepersOf(supervisorPid: number): number[] {
  return processesWhere((pid, s) => s.ppid === supervisorPid && cmdline(pid).includes('backend-supervisor-keeper'));
}

function killLater(pids: number[]): void {
  cleanups.push(() => {
    for (const pid of pids) if (alive(pid) || stat(pid)?.state === 'T') process.kill(pid, 'SIGKILL');
  });
}

/** A wrapper script without `exec`: sh leads the group, the node server is its child. */
function wrapperScript(): string {
  const file = join(tempDir(), 'run-backend.sh');
  writeFileSync(file, `#!/bin/sh\n"${process.execPath}" "${FAULT_BACKEND}"\necho "server ended"\n`);
  chmodSync(file, 0o755);
  return file;
}

async function serveWrapper(): Promise<{ server: HeadlessServer; dataDir: string }> {
  const port = await freePort();
  const dataDir = tempDir();
  const server = await startHeadless({
    SUPERVISOR_DATA_DIR: dataDir,
    GO_BACKEND_BINARY: wrapperScript(),
    GO_BACKEND_URL: `http://127.0.0.1:${port}`,
    PORT: String(port),
  });
  cleanups.push(async () => {
    if (server.process.exitCode === null && server.process.signalCode === null) server.process.kill('SIGKILL');
    await server.stop();
  });
  await pollUntil(() => /Backend started successfully/.test(server.output()), 20_000, 25, 'the backend to start');
  return { server, dataDir };
}

function recordedGroup(dataDir: string): number[] {
  const { pgid } = JSON.parse(readFileSync(join(dataDir, 'backend.pid'), 'utf8')) as { pgid: number };
  const group = processesWhere((_, s) => s.pgrp === pgid);
  killLater(group);
  return group;
}

/** SIGKILLs the supervisor; resolves with the ms until none of `pids` is alive, or throws past the deadline. */
async function killSupervisorAndTime(server: HeadlessServer, pids: number[]): Promise<number> {
  const t0 = performance.now();
  server.process.kill('SIGKILL');
  for (;;) {
    const left = pids.filter(alive);
    const ms = performance.now() - t0;
    if (left.length === 0) return ms;
    if (ms > ORPHAN_DEADLINE_MS) {
      throw new Error(
        `${left.length} of ${pids.length} processes (${left.join(', ')}) alive ${Math.round(ms)} ms after kill -9`,
      );
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A sleeping process leading its own group; returns its pid and start time. */
async function groupLeader(): Promise<{ pid: number; start: string }> {
  const child = spawn('/bin/sleep', ['300'], { detached: true, stdio: 'ignore' });
  const pid = child.pid as number;
  killLater([pid]);
  await pollUntil(() => stat(pid) !== null, 5_000, 10, 'the leader to start');
  return { pid, start: stat(pid)?.start ?? '' };
}

/** Runs KEEPER_SCRIPT with `input` as its whole input; resolves when the keeper has exited. */
function runKeeper(input: string): Promise<void> {
  const keeper: ChildProcess = spawn('/bin/sh', ['-c', KEEPER_SCRIPT, 'keeper-under-test'], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  keeper.stdin?.end(input);
  return new Promise((resolve) => keeper.once('exit', () => resolve()));
}

describe('the keeper itself attacked', () => {
  it('killed alone (kill -9) while the backend runs: the log says so, another keeper holds the group', async () => {
    const { server, dataDir } = await serveWrapper();
    const supervisorPid = server.process.pid as number;
    const group = recordedGroup(dataDir);
    const [first] = keepersOf(supervisorPid);
    expect(first).toBeDefined();
    killLater([first as number]);
    process.kill(first as number, 'SIGKILL');
    await pollUntil(
      () => keepersOf(supervisorPid).some((k) => k !== first),
      KEEPER_RESPAWN_DELAY_MS + 5_000,
      20,
      'a new keeper',
    );
    killLater(keepersOf(supervisorPid));
    expect(server.output()).toMatch(
      new RegExp(`group keeper pid ${first} killed by SIGKILL while holding process group \\d+: another starts in`),
    );
    await pollUntil(
      () => /group keeper pid \d+ started, holding process group/.test(server.output()),
      5_000,
      20,
      'the notice',
    );
    // The backend is still protected: the whole group dies with the supervisor.
    const ms = await killSupervisorAndTime(server, group);
    console.info(`keeper respawned; group of ${group.length} gone ${Math.round(ms)} ms after kill -9`);
  });

  it('stopped (SIGSTOP): replaced at the next start, so the group still dies with the supervisor', async () => {
    const { server, dataDir } = await serveWrapper();
    const supervisorPid = server.process.pid as number;
    const [stopped] = keepersOf(supervisorPid);
    expect(stopped).toBeDefined();
    killLater([stopped as number]);
    process.kill(stopped as number, 'SIGSTOP');
    const restart = await fetch(`${server.url}/api/v1/admin/backend/restart`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}` },
    });
    // Answered once the new backend is healthy.
    expect(restart.status).toBe(200);
    expect(server.output()).toMatch(new RegExp(`group keeper pid ${stopped} is stopped: replacing it`));
    const keepers = keepersOf(supervisorPid);
    killLater(keepers);
    expect(keepers.filter((k) => k !== stopped)).toHaveLength(1);
    const group = recordedGroup(dataDir);
    const ms = await killSupervisorAndTime(server, group);
    console.info(`stopped keeper replaced; group of ${group.length} gone ${Math.round(ms)} ms after kill -9`);
  });
});

describe('what the keeper kills', () => {
  it('a held pid now led by a stranger (another start time) is left alone; the recorded one is killed', async () => {
    const ours = await groupLeader();
    const stranger = await groupLeader();
    // As if `stranger` had got the pid of a group of ours that emptied just before the supervisor died.
    await runKeeper(`+${ours.pid} ${ours.start}\n+${stranger.pid} ${BigInt(stranger.start) - 1n}\n`);
    await pollUntil(() => !alive(ours.pid), 5_000, 10, 'our group to be killed');
    expect(alive(stranger.pid)).toBe(true);
  });

  it('a line cut short by the death of the supervisor (no newline) is not acted on', async () => {
    const leader = await groupLeader();
    // `+123` torn from `+1234`: the keeper must not take the prefix for a group.
    await runKeeper(`+${leader.pid}`);
    expect(alive(leader.pid)).toBe(true);
    // The same line, whole, is acted on: the keeper is not just ignoring everything.
    await runKeeper(`+${leader.pid}\n`);
    await pollUntil(() => !alive(leader.pid), 5_000, 10, 'the group to be killed');
  });

  it(`a keeper that does not read: its backlog stays within ${KEEPER_MAX_BACKLOG_BYTES} bytes, and it is replaced`, () => {
    const notices: string[] = [];
    // Never reads its input, never stops: only the backlog bound can tell.
    const keeper = new GroupKeeper((m) => notices.push(m), 'exec sleep 300');
    const pids = new Set<number>();
    cleanups.push(() => {
      keeper.close();
      for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    });
    let maxBacklog = 0;
    // Group ids above pid_max: no process can have them.
    for (let i = 0; i < 60_000; i++) {
      keeper.hold(5_000_000 + i);
      if (keeper.pid) pids.add(keeper.pid);
      keeper.release(5_000_000 + i);
      maxBacklog = Math.max(maxBacklog, keeper.backlogBytes);
    }
    console.info(`non-reading keeper: max backlog ${maxBacklog} bytes, ${notices.length} replacement(s)`);
    expect(maxBacklog).toBeLessThanOrEqual(KEEPER_MAX_BACKLOG_BYTES);
    expect(notices.length).toBeGreaterThanOrEqual(1);
    expect(notices[0]).toMatch(/group keeper pid \d+ is not reading its input \(\d+ bytes unread\): replacing it/);
  });
});

describe('a restart storm', () => {
  it('100 restarts: no descriptor leaks in the supervisor, one keeper holding one group, small', async () => {
    const port = await freePort();
    const config = testConfig(port);
    const launcher = new ProcessLauncher();
    const probe = new HttpHealthProbe();
    const supervisor = new Supervisor({ config, launcher, probe, logs: new LogStore(config.logBufferLines) });
    cleanups.push(async () => {
      await supervisor.dispose();
      await probe.close();
    });
    expect((await supervisor.start('user-ui')).success).toBe(true);
    const fds = (): number => readdirSync('/proc/self/fd').length;
    const fdsBefore = fds();
    const keeper = launcher.keeper?.pid;
    for (let i = 0; i < 100; i++) expect((await supervisor.restart('user-ui')).success).toBe(true);
    // The groups of the killed backends are released once empty (a 50 ms poll).
    await pollUntil(() => launcher.keeper?.groups.length === 1, 5_000, 20, 'the old groups to be released');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${keeper}/status`, 'utf8'))?.[1]);
    console.info(`100 restarts: fds ${fdsBefore} → ${fds()}, keeper ${keeper} VmRSS ${rssKb} kB`);
    expect(launcher.keeper?.pid).toBe(keeper);
    expect(launcher.keeper?.groups).toEqual([supervisor.status().pid]);
    expect(launcher.keeper?.backlogBytes).toBe(0);
    expect(rssKb).toBeLessThan(8 * 1024);
    // A few for keep-alive sockets of the probe at most; a leak would be hundreds.
    expect(fds()).toBeLessThanOrEqual(fdsBefore + 4);
  }, 120_000);
});

describe('after a shortage of file descriptors', () => {
  it('the backend that runs once descriptors are back is held by a live keeper (real EMFILE under prlimit)', async () => {
    const run = await runEmfileSupervisor('emfile-supervisor-keeper');
    expect(run.stdout).not.toMatch(/UNCAUGHT/);
    const report = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as {
      incidents: { summary: string }[];
      final: string;
      keeper?: { alive: boolean; holdsBackend: boolean };
    };
    expect(report.incidents[0]?.summary).toMatch(/EMFILE/);
    expect(report.final).toBe('running');
    expect(report.keeper).toEqual({ alive: true, holdsBackend: true });
  });
});

describe('a pid file planted in the data folder', () => {
  it('a FIFO at backend.pid: serve starts the backend (the read does not block), replaces it, stops on SIGTERM', async () => {
    const port = await freePort();
    const dataDir = tempDir();
    execFileSync('mkfifo', [join(dataDir, 'backend.pid')]);
    const server = await startHeadless({
      SUPERVISOR_DATA_DIR: dataDir,
      GO_BACKEND_BINARY: process.execPath,
      BACKEND_ARGS: JSON.stringify([FAULT_BACKEND]),
      GO_BACKEND_URL: `http://127.0.0.1:${port}`,
      PORT: String(port),
    });
    cleanups.push(async () => {
      if (server.process.exitCode === null && server.process.signalCode === null) server.process.kill('SIGKILL');
      await server.stop();
    });
    await pollUntil(() => /Backend started successfully/.test(server.output()), 20_000, 25, 'the backend to start');
    expect(server.output()).toMatch(/pid file .*backend\.pid is not a regular file: ignored/);
    expect(recordedGroup(dataDir).length).toBeGreaterThanOrEqual(1);
    expect(await server.stop()).toBe(0);
  });
});
