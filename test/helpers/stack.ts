import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Incident } from '../../src/shared/incident';
import type { ServiceStatus } from '../../src/shared/services';
import type { BackendState } from '../../src/shared/states';
import { createRuntime, type SupervisorRuntime } from '../../src/main/core/runtime';
import { parseStackText } from '../../src/main/core/stack/stack-file';
import type { Stack } from '../../src/main/core/stack/stack';
import { aliveProcess } from './proc';
import { freePort, pollUntil, tempDir, testConfig, waitForState } from './supervise';

/** fault-backend.mjs with the SPAWN_LOG knob (each process appends "<pid> <wall ms>" at its start). */
export const STAMP_BACKEND = join(import.meta.dirname, '..', 'fixtures', 'stacks', 'stamp-backend.mjs');

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'backend-supervisor.js');

/** One fault-backend service of a test stack, in the stack file's terms (durations in seconds). */
export interface ServiceSpec {
  /** fault-backend.mjs knobs (PORT, SPAWN_LOG and LISTENING_FILE are set by the helper). */
  env?: Record<string, string>;
  depends_on?: Record<string, { condition: 'service_started' | 'service_healthy' }>;
  /** Over the helper's fast defaults: interval 0.2 s, timeout 0.5 s, retries 3, startup_timeout 10 s. */
  health?: { interval?: number; timeout?: number; retries?: number; startup_timeout?: number };
  restart?: string | { policy?: string; max_attempts?: number; delay?: number; max_delay?: number };
  stop_grace_period?: number;
  stop_signal?: string;
}

/** Where a fixture service listens and what it writes. */
export interface FixtureService {
  name: string;
  port: number;
  /** "<pid> <wall ms>" per spawn. */
  spawnLog: string;
}

/** One spawn of a fixture: its pid and wall-clock time (ms). */
export interface Spawn {
  pid: number;
  at: number;
}

/** A state change seen by the test, with the wall time (ms) and every service's state at that moment. */
export interface StateRecord {
  service: string;
  from: BackendState;
  to: BackendState;
  actor: string;
  reason: string;
  at: number;
  states: Record<string, BackendState>;
}

/**
 * The text of a stack file (JSON, a subset of YAML) of fault backends, each on a free port
 * with an HTTP health check, writing its spawns to `<dir>/<name>.spawns`.
 */
export async function fixtureStackText(
  dir: string,
  specs: Record<string, ServiceSpec>,
): Promise<{ text: string; services: Record<string, FixtureService> }> {
  const services: Record<string, FixtureService> = {};
  const file: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const port = await freePort();
    const spawnLog = join(dir, `${name}.spawns`);
    services[name] = { name, port, spawnLog };
    file[name] = {
      command: [process.execPath, STAMP_BACKEND],
      environment: { PORT: String(port), SPAWN_LOG: spawnLog, ...spec.env },
      health: {
        http: `http://127.0.0.1:${port}/health`,
        interval: 0.2,
        timeout: 0.5,
        retries: 3,
        startup_timeout: 10,
        ...spec.health,
      },
      restart: spec.restart ?? { policy: 'always', max_attempts: 5, delay: 0.1, max_delay: 1 },
      stop_grace_period: spec.stop_grace_period ?? 2,
      ...(spec.depends_on ? { depends_on: spec.depends_on } : {}),
      ...(spec.stop_signal ? { stop_signal: spec.stop_signal } : {}),
    };
  }
  return { text: JSON.stringify({ services: file }, null, 2), services };
}

/** The spawns a fixture service has written so far. */
export function spawnsOf(service: FixtureService): Spawn[] {
  if (!existsSync(service.spawnLog)) return [];
  return readFileSync(service.spawnLog, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [pid, at] = line.split(' ');
      return { pid: Number(pid), at: Number(at) };
    });
}

/** Pids of a fixture service still alive (zombies excluded). */
export function livePids(service: FixtureService): number[] {
  return spawnsOf(service)
    .map((s) => s.pid)
    .filter(aliveProcess);
}

/** A stack built as the app builds it (parseStackText + createRuntime), with what the test saw of it. */
export interface TestStack {
  runtime: SupervisorRuntime;
  stack: Stack;
  services: Record<string, FixtureService>;
  /** Every state change, in order. */
  events: StateRecord[];
  incidents: Incident[];
  /** Resolves when `name` is in `state` (now or later); rejects after `timeoutMs`. */
  waitFor(name: string, state: BackendState, timeoutMs?: number): Promise<void>;
  /** The first event at or after index `from` for which `match` holds. */
  eventAfter(from: number, match: (e: StateRecord) => boolean): StateRecord | undefined;
  /** Shuts the runtime down and checks no fixture process is left. */
  dispose(): Promise<void>;
}

/** Builds and returns a stack of fault backends (not started). */
export async function makeTestStack(specs: Record<string, ServiceSpec>): Promise<TestStack> {
  const dir = tempDir('bsup-stack-');
  const { text, services } = await fixtureStackText(dir, specs);
  const base = testConfig(1, { dataDir: dir });
  const definition = parseStackText(text, 'test-stack.yaml', dir, base);
  const runtime = createRuntime(base, undefined, undefined, undefined, definition);
  const { stack } = runtime;
  const events: StateRecord[] = [];
  const incidents: Incident[] = [];
  stack.on('state', (e) => {
    const states = Object.fromEntries(stack.names.map((n) => [n, stack.member(n).supervisor.currentState]));
    events.push({
      service: e.service ?? '',
      from: e.from,
      to: e.to,
      actor: e.actor,
      reason: e.reason,
      at: Date.now(),
      states,
    });
  });
  stack.on('incident', (i) => incidents.push(i));
  let disposed = false;
  return {
    runtime,
    stack,
    services,
    events,
    incidents,
    waitFor: (name, state, timeoutMs = 15_000) => waitForState(stack.member(name).supervisor, state, timeoutMs),
    eventAfter: (from, match) => events.slice(from).find(match),
    async dispose() {
      if (disposed) return;
      disposed = true;
      await runtime.shutdown();
      await pollUntil(
        () => Object.values(services).every((s) => livePids(s).length === 0),
        3_000,
        25,
        'no fixture process left',
      );
    },
  };
}

/** A `backend-supervisor serve --stack FILE` child process and its output. */
export interface ServeProcess {
  process: ChildProcess;
  /** The control API's base URL. */
  url: string;
  token: string;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** The control token the serve helpers pass in CONTROL_TOKEN. */
export const SERVE_TOKEN = 'stack-token-0123456789abcdef0123456789';

/** Spawns `serve --stack <file>` on a free control port with a fresh data folder (does not wait). */
export async function spawnServe(stackFile: string, env: Record<string, string> = {}): Promise<ServeProcess> {
  const controlPort = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve', '--stack', stackFile, '--control-port', String(controlPort)], {
    env: {
      ...process.env,
      SUPERVISOR_DATA_DIR: tempDir('bsup-serve-'),
      CONTROL_TOKEN: SERVE_TOKEN,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => {
    out = (out + c.toString()).slice(-256 * 1024);
  });
  child.stderr?.on('data', (c: Buffer) => {
    err = (err + c.toString()).slice(-256 * 1024);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    process: child,
    url: `http://127.0.0.1:${controlPort}`,
    token: SERVE_TOKEN,
    stdout: () => out,
    stderr: () => err,
    exited,
  };
}

/** {@link spawnServe}, then waits (poll with a deadline) for the dashboard line. @throws when it exits first. */
export async function startServe(stackFile: string, env: Record<string, string> = {}): Promise<ServeProcess> {
  const serve = await spawnServe(stackFile, env);
  await pollUntil(
    () => serve.stdout().includes('backend-supervisor: dashboard') || serve.process.exitCode !== null,
    20_000,
    25,
    'the dashboard line',
  );
  if (serve.process.exitCode !== null) throw new Error(`serve exited early:\n${serve.stdout()}\n${serve.stderr()}`);
  return serve;
}

/** Ends `serve` with `signal` if it still runs, and waits for its exit (a test's clean-up). */
export async function endServe(serve: ServeProcess, signal: NodeJS.Signals): Promise<void> {
  if (serve.process.exitCode !== null || serve.process.signalCode !== null) return;
  serve.process.kill(signal);
  await serve.exited;
}

/** POST /api/v1/config/reload (a dry run with `dryRun`) with the control token: the status and the answer. */
export async function postReload(
  serve: Pick<ServeProcess, 'url' | 'token'>,
  dryRun = false,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${serve.url}/api/v1/config/reload${dryRun ? '?dryRun=1' : ''}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${serve.token}` },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Writes a fixture stack file into a fresh folder; returns its path and services. */
export async function writeFixtureStack(
  specs: Record<string, ServiceSpec>,
): Promise<{ file: string; dir: string; services: Record<string, FixtureService> }> {
  const dir = tempDir('bsup-stackfile-');
  const { text, services } = await fixtureStackText(dir, specs);
  const file = join(dir, 'stack.yaml');
  writeFileSync(file, text);
  return { file, dir, services };
}

/**
 * `GET /api/v1/services` of a running serve, with its token.
 * @throws when it does not answer 200.
 */
export async function servicesOf(serve: Pick<ServeProcess, 'url' | 'token'>): Promise<ServiceStatus[]> {
  const res = await fetch(`${serve.url}/api/v1/services`, { headers: { authorization: `Bearer ${serve.token}` } });
  if (res.status !== 200) throw new Error(`GET /api/v1/services answered ${res.status}`);
  return (await res.json()) as ServiceStatus[];
}

/** Polls the API until `match` holds of the services' list; rejects after `timeoutMs` (15 s) with the last list seen. */
export async function untilServices(
  serve: Pick<ServeProcess, 'url' | 'token'>,
  what: string,
  match: (list: ServiceStatus[]) => boolean,
  timeoutMs = 15_000,
): Promise<ServiceStatus[]> {
  let last: ServiceStatus[] = [];
  await pollUntil(
    async () => {
      last = await servicesOf(serve);
      return match(last);
    },
    timeoutMs,
    50,
    what,
  ).catch((err: Error) => {
    throw new Error(`${err.message}: ${JSON.stringify(last.map((s) => [s.name, s.status, s.state_reason]))}`);
  });
  return last;
}
