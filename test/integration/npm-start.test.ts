/**
 * Issue 10, item 5: `npm start` goes when the process that started it goes. A process
 * manager or a container runtime sends SIGTERM to npm's pid alone: npm and its `sh` exit,
 * and `node scripts/start.mjs` must not stay behind (PPID 1) with the dashboard's port and
 * the backend. Real npm, real processes, real signals: the headless fallback (no Electron
 * runtime) and the desktop path with a stand-in Electron (ELECTRON_OVERRIDE_DIST_PATH).
 * BACKEND_SUPERVISOR_NO_BUILD=1 keeps `npm start` from rebuilding out/ (the integration
 * setup has built out/node).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FAULT_BACKEND, freePort, pollUntil, tempDir } from '../helpers/supervise';
import { aliveProcess as alive, cmdline as procCmdline, procStat as stat, processesWhere } from '../helpers/proc';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * How long the tree may outlive npm, ms: start.mjs checks its parent every 1 s, then stops
 * gracefully (the fault backend exits at SIGTERM within milliseconds). 15 s leaves room for
 * a loaded machine; it measures ~1–2 s.
 */
const GONE_DEADLINE_MS = 15_000;

/**
 * How long start.mjs may take to notice that its parent is gone, ms: it checks every 1 s
 * (PARENT_POLL_MS in scripts/start.mjs); 5 s is that with room for a loaded machine.
 */
const NOTICE_DEADLINE_MS = 5_000;

/** How long `npm start` may take until the backend runs, ms (no build; the installer fails at once). */
const READY_DEADLINE_MS = 30_000;

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
});

/** Live processes of process group `pgid`. */
function groupMembers(pgid: number): number[] {
  return processesWhere((_, s) => s.pgrp === pgid);
}

const cmdline = (pid: number): string => procCmdline(pid).trim();

function kill(target: number, signal: NodeJS.Signals): void {
  try {
    process.kill(target, signal);
  } catch {
    // already gone
  }
}

/** True when something accepts a TCP connection on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

interface NpmStart {
  npm: ChildProcess;
  /** npm's pid = the process group of npm, its sh and start.mjs (spawned detached). */
  pgid: number;
  controlPort: number;
  backendPort: number;
  output(): string;
  /** `role pid` lines the fault backend wrote (its own pid first). */
  backendPids(): number[];
}

/**
 * Runs `npm start` in the project as a user would (CI=true, no build), supervising the
 * fault backend on free ports with a fresh data folder. The tree is killed after the test
 * whatever happens: npm's process group (start.mjs keeps it when reparented) and the backend's.
 */
async function npmStart(env: Record<string, string> = {}): Promise<NpmStart> {
  const dataDir = tempDir('bsup-npm-start-');
  const controlPort = await freePort();
  const backendPort = await freePort();
  const pidFile = join(dataDir, 'backend-pids');
  const npm = spawn('npm', ['start'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      CI: 'true',
      BACKEND_SUPERVISOR_NO_BUILD: '1',
      ELECTRON_SKIP_BINARY_DOWNLOAD: '1',
      SUPERVISOR_DATA_DIR: dataDir,
      CONTROL_PORT: String(controlPort),
      GO_BACKEND_BINARY: process.execPath,
      BACKEND_ARGS: JSON.stringify([FAULT_BACKEND]),
      GO_BACKEND_URL: `http://127.0.0.1:${backendPort}`,
      PORT: String(backendPort),
      PID_FILE: pidFile,
      HEALTH_CHECK_INTERVAL: '1',
      STOP_TIMEOUT: '5',
      ...env,
    },
  });
  let out = '';
  npm.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  npm.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const pgid = npm.pid ?? 0;
  const backendPids = (): number[] =>
    existsSync(pidFile)
      ? readFileSync(pidFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => Number(l.split(' ')[1]))
      : [];
  cleanups.push(() => {
    kill(-pgid, 'SIGKILL');
    for (const pid of backendPids()) kill(-pid, 'SIGKILL');
  });
  return { npm, pgid, controlPort, backendPort, output: () => out, backendPids };
}

/** Fails naming what is left: processes of npm's group, the backend, listening ports. */
async function leftovers(run: NpmStart, extra: number[] = []): Promise<string[]> {
  const left = [...groupMembers(run.pgid), ...run.backendPids().filter(alive), ...extra.filter(alive)].map(
    (pid) => `pid ${pid} (ppid ${stat(pid)?.ppid}): ${cmdline(pid)}`,
  );
  if (await listening(run.controlPort)) left.push(`control port ${run.controlPort} still listening`);
  if (await listening(run.backendPort)) left.push(`backend port ${run.backendPort} still listening`);
  return left;
}

async function expectAllGone(run: NpmStart, extra: number[] = []): Promise<void> {
  let left: string[] = [];
  await pollUntil(
    async () => (left = await leftovers(run, extra)).length === 0,
    GONE_DEADLINE_MS,
    100,
    'the npm start tree to go',
  ).catch(() => undefined);
  expect(left, run.output()).toEqual([]);
}

describe('npm start goes with its parent', () => {
  it('headless: a SIGTERM to npm alone stops start.mjs and the backend gracefully, and frees the ports', async () => {
    // An empty Electron folder: no runtime, whatever is installed, so start.mjs falls back to headless.
    const run = await npmStart({ ELECTRON_OVERRIDE_DIST_PATH: tempDir('bsup-no-electron-') });
    await pollUntil(
      () => /state starting → running/.test(run.output()) || run.npm.exitCode !== null,
      READY_DEADLINE_MS,
      50,
      'the backend to run under npm start',
    );
    expect(run.output()).toMatch(/running the headless supervisor/);
    expect(run.output()).toMatch(/→ running/);
    expect(await listening(run.controlPort)).toBe(true);
    const starter = groupMembers(run.pgid).find((pid) => cmdline(pid).includes('scripts/start.mjs'));
    expect(starter, run.output()).toBeDefined();

    const signalledAt = Date.now();
    kill(run.pgid, 'SIGTERM'); // npm's pid only, as a process manager does
    await pollUntil(() => /is gone; stopping/.test(run.output()), GONE_DEADLINE_MS, 20, 'start.mjs to notice');
    expect(Date.now() - signalledAt).toBeLessThan(NOTICE_DEADLINE_MS);
    await expectAllGone(run);
    const goneAfterMs = Date.now() - signalledAt;
    // Graceful: the supervisor's own stop ran (SIGTERM to the backend), not a kill.
    expect(run.output()).toMatch(/\[backend\] SIGTERM: exiting/);
    expect(run.output()).toMatch(/backend-supervisor: stopped/);
    expect(goneAfterMs).toBeLessThan(GONE_DEADLINE_MS);
  });

  describe('desktop (a stand-in Electron)', () => {
    /** A folder with an executable `electron` that records its pid and exits at SIGTERM. */
    function fakeElectron(): { dir: string; pidFile: string } {
      const dir = tempDir('bsup-fake-electron-');
      const pidFile = join(dir, 'pid');
      const file = join(dir, 'electron');
      writeFileSync(
        file,
        `#!${process.execPath}
require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));
process.on('SIGTERM', () => { console.log('fake electron: SIGTERM, quitting'); process.exit(0); });
setInterval(() => {}, 1000);
`,
      );
      chmodSync(file, 0o755);
      return { dir, pidFile };
    }

    async function startDesktop(): Promise<{ run: NpmStart; electron: number; starter: number }> {
      const fake = fakeElectron();
      const run = await npmStart({ ELECTRON_OVERRIDE_DIST_PATH: fake.dir });
      await pollUntil(
        () => existsSync(fake.pidFile) || run.npm.exitCode !== null,
        READY_DEADLINE_MS,
        50,
        'the stand-in Electron to start',
      );
      expect(existsSync(fake.pidFile), run.output()).toBe(true);
      const electron = Number(readFileSync(fake.pidFile, 'utf8'));
      cleanups.push(() => kill(electron, 'SIGKILL'));
      const starter = groupMembers(run.pgid).find((pid) => cmdline(pid).includes('scripts/start.mjs'));
      expect(starter, run.output()).toBeDefined();
      return { run, electron, starter: starter ?? 0 };
    }

    it('a SIGTERM to npm alone quits Electron and start.mjs', async () => {
      const { run, electron } = await startDesktop();
      kill(run.pgid, 'SIGTERM');
      await expectAllGone(run, [electron]);
      expect(run.output()).toMatch(/fake electron: SIGTERM, quitting/);
    });

    it('a SIGKILL of start.mjs still asks Electron to quit (parent-death signal)', async () => {
      const { run, electron, starter } = await startDesktop();
      kill(starter, 'SIGKILL');
      await expectAllGone(run, [electron]);
      expect(run.output()).toMatch(/fake electron: SIGTERM, quitting/);
    });
  });
});
