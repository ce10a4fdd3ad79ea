import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from '../../src/main/core/stack/stack';
import { envStack } from '../../src/main/core/stack/default-stack';
import { SupervisorConfigSchema, type SupervisorConfig, type SupervisorConfigInput } from '../../src/shared/config';
import type { BackendState } from '../../src/shared/states';
import { HttpHealthProbe } from '../../src/main/core/health-probe';
import { ProcessLauncher } from '../../src/main/core/launcher';
import { LogStore } from '../../src/main/core/log-store';
import { Supervisor } from '../../src/main/core/supervisor';

/** Path of the configurable fault backend. */
export const FAULT_BACKEND = join(import.meta.dirname, '..', 'fixtures', 'fault-backend.mjs');

/** A free TCP port on 127.0.0.1 (asks the OS for port 0, then releases it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** A fresh temporary folder. */
export function tempDir(prefix = 'bsup-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A validated config for tests: short intervals, the given port and overrides. */
export function testConfig(port: number, overrides: Partial<SupervisorConfigInput> = {}): SupervisorConfig {
  return SupervisorConfigSchema.parse({
    command: process.execPath,
    args: [FAULT_BACKEND],
    backendUrl: `http://127.0.0.1:${port}`,
    env: { PORT: String(port) },
    healthCheckIntervalMs: 200,
    healthCheckTimeoutMs: 500,
    healthConfirmDelayMs: 100,
    startupTimeoutMs: 10_000,
    stopTimeoutMs: 2_000,
    restartDelayMs: 100,
    maxRestartDelayMs: 1_000,
    dataDir: tempDir(),
    ...overrides,
  });
}

/** A real supervisor (execa launcher, HTTP probe) over `config`. */
export function realSupervisor(config: SupervisorConfig): {
  supervisor: Supervisor;
  logs: LogStore;
  probe: HttpHealthProbe;
} {
  const logs = new LogStore(config.logBufferLines);
  const probe = new HttpHealthProbe();
  const supervisor = new Supervisor({ config, launcher: new ProcessLauncher(), probe, logs });
  return { supervisor, logs, probe };
}

/** A stack of the one service `supervisor` runs (the environment's `backend`), over `logs`. */
export function stackOf(supervisor: Supervisor, logs: LogStore): Stack {
  const [definition] = envStack(supervisor.settings as SupervisorConfig).services;
  if (!definition) throw new Error('envStack gave no service');
  return new Stack([{ definition, supervisor, logs }]);
}

/**
 * Resolves when `supervisor` reaches `state` (now or later) and `extra` holds; rejects
 * after `timeoutMs` naming the state it was in. An event wait with a deadline, not a sleep.
 */
export function waitForState(
  supervisor: Supervisor,
  state: BackendState,
  timeoutMs = 15_000,
  extra: () => boolean = () => true,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => supervisor.currentState === state && extra();
    if (check()) {
      resolve();
      return;
    }
    const onState = (): void => {
      if (!check()) return;
      cleanup();
      resolve();
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new Error(
          `timed out after ${timeoutMs} ms waiting for ${state}; state is ${supervisor.currentState} (${supervisor.status().state_reason})`,
        ),
      );
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      supervisor.off('state', onState);
    };
    supervisor.on('state', onState);
  });
}

/** Polls `fn` until it returns true or `timeoutMs` passes. */
export async function pollUntil(
  fn: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  stepMs = 25,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** True while a process with `pid` exists. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True while any process of group `pgid` exists. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
