/**
 * Issue 9, item 3: no process of the backend's group outlives a `kill -9` of the supervisor
 * by more than 2 s (the group keeper), and when the keeper is gone too, the next start on
 * the same data folder reaps the members of the recorded group whose leader is gone.
 * Real supervisors (`backend-supervisor serve`), real backends, real signals.
 */
import { readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHeadless, type HeadlessServer } from '../helpers/headless-server';
import { FAULT_BACKEND, freePort, pollUntil, tempDir } from '../helpers/supervise';
import { aliveProcess as alive, cmdline, procStat as stat, processesWhere } from '../helpers/proc';

/** The bound the issue sets: no member of the group lives this long after the supervisor died, ms. */
const ORPHAN_DEADLINE_MS = 2_000;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/** A wrapper script without `exec`: sh stays the leader, the node server is its child. */
function wrapperScript(): string {
  const file = join(tempDir(), 'run-backend.sh');
  writeFileSync(file, `#!/bin/sh\n"${process.execPath}" "${FAULT_BACKEND}"\necho "server ended"\n`);
  chmodSync(file, 0o755);
  return file;
}

async function serve(env: Record<string, string>): Promise<HeadlessServer> {
  const server = await startHeadless(env);
  cleanups.push(async () => {
    if (server.process.exitCode === null && server.process.signalCode === null) server.process.kill('SIGKILL');
    await server.stop();
  });
  await pollUntil(
    () => /Backend started successfully|Backend failed|crashed/.test(server.output()),
    20_000,
    25,
    'the backend to start',
  );
  return server;
}

function recordedPgid(dataDir: string): number {
  return (JSON.parse(readFileSync(join(dataDir, 'backend.pid'), 'utf8')) as { pgid: number }).pgid;
}

/** Kills what a failed test may leave behind, by the recorded group's pids. */
function killLater(pids: number[]): void {
  cleanups.push(() => {
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });
}

/** Kills the supervisor with SIGKILL; resolves with the ms until none of `pids` is alive (a poll with a deadline). */
async function killSupervisorAndTime(server: HeadlessServer, pids: number[]): Promise<number> {
  const t0 = performance.now();
  server.process.kill('SIGKILL');
  for (;;) {
    const left = pids.filter(alive);
    const ms = performance.now() - t0;
    if (left.length === 0) return ms;
    if (ms > ORPHAN_DEADLINE_MS) {
      throw new Error(
        `${left.length} of ${pids.length} processes of the group (${left.join(', ')}) alive ${Math.round(ms)} ms after kill -9`,
      );
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('orphans after a kill -9 of the supervisor', () => {
  it('a wrapper script without exec: its node server dies with the supervisor within 2 s', async () => {
    const port = await freePort();
    const dataDir = tempDir();
    const server = await serve({
      SUPERVISOR_DATA_DIR: dataDir,
      GO_BACKEND_BINARY: wrapperScript(),
      GO_BACKEND_URL: `http://127.0.0.1:${port}`,
      PORT: String(port),
    });
    expect(server.output()).toContain('Backend started successfully');
    const pgid = recordedPgid(dataDir);
    const group = processesWhere((_, s) => s.pgrp === pgid);
    killLater(group);
    // sh (the leader) and the node server it waits for.
    expect(group.length).toBeGreaterThanOrEqual(2);
    expect(group.some((pid) => cmdline(pid).includes(FAULT_BACKEND))).toBe(true);
    const ms = await killSupervisorAndTime(server, group);
    console.info(`wrapper: group of ${group.length} gone ${Math.round(ms)} ms after kill -9 of the supervisor`);
  });

  it('grandchildren that ignore SIGTERM die with the supervisor within 2 s', async () => {
    const port = await freePort();
    const dataDir = tempDir();
    const pidList = join(tempDir(), 'pids');
    const server = await serve({
      SUPERVISOR_DATA_DIR: dataDir,
      GO_BACKEND_BINARY: process.execPath,
      BACKEND_ARGS: JSON.stringify([FAULT_BACKEND]),
      GO_BACKEND_URL: `http://127.0.0.1:${port}`,
      PORT: String(port),
      GRANDCHILDREN: '2',
      IGNORE_SIGTERM: '1',
      PID_FILE: pidList,
    });
    expect(server.output()).toContain('Backend started successfully');
    const pids = readFileSync(pidList, 'utf8')
      .trim()
      .split('\n')
      .map((l) => Number(l.split(' ')[1]));
    killLater(pids);
    expect(pids).toHaveLength(3);
    expect(pids.every(alive)).toBe(true);
    const ms = await killSupervisorAndTime(server, pids);
    console.info(`grandchildren: ${pids.length} processes gone ${Math.round(ms)} ms after kill -9 of the supervisor`);
  });

  it('the keeper is small, outside the backend group, and ends with a normal stop of the supervisor', async () => {
    const port = await freePort();
    const dataDir = tempDir();
    const server = await serve({
      SUPERVISOR_DATA_DIR: dataDir,
      GO_BACKEND_BINARY: process.execPath,
      BACKEND_ARGS: JSON.stringify([FAULT_BACKEND]),
      GO_BACKEND_URL: `http://127.0.0.1:${port}`,
      PORT: String(port),
    });
    const supervisorPid = server.process.pid as number;
    const keepers = processesWhere(
      (pid, s) => s.ppid === supervisorPid && cmdline(pid).includes('backend-supervisor-keeper'),
    );
    killLater(keepers);
    expect(keepers).toHaveLength(1);
    const keeper = keepers[0] as number;
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${keeper}/status`, 'utf8'))?.[1]);
    console.info(`keeper pid ${keeper}: VmRSS ${rssKb} kB`);
    expect(rssKb).toBeLessThan(8 * 1024);
    expect(stat(keeper)?.pgrp).not.toBe(recordedPgid(dataDir));
    expect(await server.stop()).toBe(0);
    await pollUntil(() => !alive(keeper), 5_000, 10, 'the keeper to exit after the supervisor');
  });

  it('keeper and supervisor both killed: the next start reaps the members whose leader is gone', async () => {
    const port = await freePort();
    const dataDir = tempDir();
    const env = {
      SUPERVISOR_DATA_DIR: dataDir,
      GO_BACKEND_BINARY: wrapperScript(),
      GO_BACKEND_URL: `http://127.0.0.1:${port}`,
      PORT: String(port),
    };
    const first = await serve(env);
    expect(first.output()).toContain('Backend started successfully');
    const supervisorPid = first.process.pid as number;
    const pgid = recordedPgid(dataDir);
    const group = processesWhere((_, s) => s.pgrp === pgid);
    killLater(group);
    // Stopped, the supervisor cannot notice its keeper's death and spawn another.
    process.kill(supervisorPid, 'SIGSTOP');
    for (const keeper of processesWhere(
      (pid, s) => s.ppid === supervisorPid && cmdline(pid).includes('backend-supervisor-keeper'),
    )) {
      process.kill(keeper, 'SIGKILL');
    }
    process.kill(supervisorPid, 'SIGKILL');
    // The lifeline takes the leader (sh); its node server lives on with the port. Wait until
    // init has reaped the leader (no zombie left), as it does at once on most systems.
    await pollUntil(() => stat(pgid) === null, 15_000, 10, 'the leader to die with its supervisor and be reaped');
    const members = processesWhere((_, s) => s.pgrp === pgid);
    expect(members.length).toBeGreaterThanOrEqual(1);

    const second = await serve(env);
    expect(second.output()).toContain('Backend started successfully');
    expect(second.output()).not.toMatch(/already in use/);
    expect(second.output()).toMatch(/leader is gone\): stopping them/);
    for (const pid of members) expect(alive(pid)).toBe(false);
    expect(recordedPgid(dataDir)).not.toBe(pgid);
  });
});
