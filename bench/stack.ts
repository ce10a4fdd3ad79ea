/**
 * The default stack's bench (issue 12 item 6): the embedded PostgreSQL `postgres` and the
 * bundled reference backend, run by `backend-supervisor serve` with no stack file, beside the
 * same two processes under PM2 and supervisord, and spawned in order with no supervisor (the
 * floor). For each, in interleaved repetitions (the order of the four rotates each time):
 *   - cold start: a new data folder → the backend's `GET /health` answers 200 (it does once
 *     its database is open and migrated); PM2's, supervisord's and the floor's include the
 *     initdb of bench/stack-initdb.sh (the same initdb options the supervisor uses);
 *   - warm start: the same folder again, everything stopped cleanly before;
 *   - idle memory after the warm start, BENCH_STACK_SETTLE_SECONDS (default 5) later: RSS and
 *     PSS (/proc/<pid>/smaps_rollup) of the daemon and every process under it.
 * Runs: BENCH_STACK_RUNS (default 5). Each run's data folder is a new one in the system's
 * temporary folder, mode 0711 (as root the cluster then stays in it), removed after.
 * Written to the `default-stack` section of bench/results.md.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { findEmbeddedBinaries } from '../src/main/core/postgres/embedded-binaries';
import { isRoot, resolveRunAs, type RunAs } from '../src/main/core/postgres/run-as';
import { cleanEnv, exited, haveSupervisord, median, PM2_BIN } from './tools';
import { writeResultsSection } from './results-file';
import { freePort } from '../test/helpers/supervise';

const RUNS = Number(process.env.BENCH_STACK_RUNS ?? 5);
const SETTLE_MS = Number(process.env.BENCH_STACK_SETTLE_SECONDS ?? 5) * 1000;
/** Longest a start may take before the run fails (initdb on a busy disk takes seconds), ms. */
const START_DEADLINE_MS = 180_000;
/** Longest a stop may take before what is left is killed and the run says so, ms. */
const STOP_DEADLINE_MS = 60_000;
/** Between two health polls, ms: often enough, without taking a core from what is measured. */
const POLL_MS = 10;

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'backend-supervisor.js');
const SERVER_JS = join(ROOT, 'out', 'reference-backend', 'server.js');
const INITDB_SCRIPT = join(import.meta.dirname, 'stack-initdb.sh');

/** A stack under one tool, started. */
interface Running {
  /** The processes the tool runs as (the daemon; the floor's two servers): trees measured from them. */
  roots(): number[];
  /** The daemon's pid, counted apart from what it runs (null for the floor). */
  daemon(): number | null;
  /** Stops everything the tool started and resolves once the tool says it is done. */
  stop(): Promise<void>;
  /** When the steps of this start happened (wall clock, ms), where the tool tells; read after the stop. */
  steps?(since: number): Step[];
}

/** A step of a start: its name and when it ended (wall clock, ms). */
interface Step {
  name: string;
  at: number;
}

/** The steps both ours and the floor go through, in order (the last ends at /health 200). */
const STEPS = [
  'start → ready to start the stack (process start, modules, settings)',
  '→ PostgreSQL spawned (version check; initdb when cold)',
  '→ PostgreSQL answers `SELECT 1`',
  '→ backend spawned (ours: role and database made)',
  '→ backend /health 200 (Node start, database open, migrations, seeding)',
] as const;

/** One tool's way of running the stack. */
interface Tool {
  name: string;
  /** What it does, for results.md. */
  does: string;
  /** Starts the stack in `dir` (cold: nothing there yet); resolves once the tool's start command returned. */
  start(dir: string, cold: boolean, ports: Ports): Promise<Running>;
  /** How many times the backend was spawned, from the tool's own log in `dir`. */
  backendSpawns(dir: string): number;
}

interface Ports {
  backend: number;
  /** PostgreSQL's, for the tools given one (ours chooses its own). */
  postgres: number;
}

/** What a cold start of a tool did besides the start (the init script), ms. */
const initdbMs = new Map<string, number[]>();

/** Runs a command to its end; rejects with its output on a non-zero exit. */
async function run(cmd: string, args: string[], env: Record<string, string>, log: string): Promise<void> {
  const fd = openSync(log, 'a');
  try {
    const child = spawn(cmd, args, { env, stdio: ['ignore', fd, fd] });
    const code = await exited(child);
    if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${code}: see ${log}`);
  } finally {
    closeSync(fd);
  }
}

/** The init script of PM2's, supervisord's and the floor's cold start: the cluster, timed. */
async function initCluster(tool: string, dir: string, bin: string, runAs: RunAs | null, password: string) {
  const t0 = performance.now();
  await run(
    'sh',
    [INITDB_SCRIPT, bin, join(dir, 'postgres'), runAs?.user ?? '', password],
    cleanEnv(['DATABASE_URL', 'DATA_DIR', 'HOST']),
    join(dir, 'init.log'),
  );
  const list = initdbMs.get(tool) ?? [];
  list.push(performance.now() - t0);
  initdbMs.set(tool, list);
}

function postgresArgs(dir: string, port: number): string[] {
  const cluster = join(dir, 'postgres', 'postgres');
  return ['-D', cluster, '-p', String(port), '-k', cluster, '-c', 'listen_addresses=127.0.0.1'];
}

/** The backend's environment under PM2, supervisord and the floor: what ours gives it. */
function backendEnv(dir: string, ports: Ports, password: string): Record<string, string> {
  return {
    PORT: String(ports.backend),
    HOST: '127.0.0.1',
    DATA_DIR: join(dir, 'reference-backend'),
    DATABASE_URL: `postgres://postgres:${password}@127.0.0.1:${ports.postgres}/postgres`,
  };
}

/** The superuser password of `dir`'s cluster: made at the cold start, read at the warm one. */
function passwordOf(dir: string, cold: boolean): string {
  const file = join(dir, 'bench-password');
  if (cold) writeFileSync(file, randomBytes(16).toString('hex'), { mode: 0o600 });
  return readFileSync(file, 'utf8');
}

function countLines(file: string, pattern: RegExp): number {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => pattern.test(l)).length;
  } catch {
    return 0;
  }
}

function ours(): Tool {
  return {
    name: 'backend-supervisor',
    does: '`node bin/backend-supervisor.js serve` (no stack file, no DATABASE_URL: the default stack) with SUPERVISOR_DATA_DIR, BACKEND_URL and CONTROL_PORT set, its output to a file. It checks the binaries, runs initdb when there is no cluster, starts PostgreSQL, waits until `SELECT 1` succeeds, makes the role `app` and database `app`, then starts the backend with their DATABASE_URL (never before PostgreSQL is healthy), and serves the control API and dashboard.',
    async start(dir, _cold, ports) {
      const controlPort = await freePort();
      const fd = openSync(join(dir, 'serve.log'), 'a');
      const child = spawn(process.execPath, [BIN, 'serve'], {
        env: {
          ...cleanEnv(['DATABASE_URL', 'DATA_DIR', 'HOST']),
          SUPERVISOR_DATA_DIR: dir,
          BACKEND_URL: `http://127.0.0.1:${ports.backend}`,
          CONTROL_PORT: String(controlPort),
        },
        stdio: ['ignore', fd, fd],
      });
      closeSync(fd);
      return {
        roots: () => [child.pid as number],
        daemon: () => child.pid as number,
        async stop() {
          child.kill('SIGTERM');
          await exited(child);
        },
        steps: (since) => oursSteps(join(dir, 'logs', 'supervisor.log'), since),
      };
    },
    backendSpawns: (dir) => countLines(join(dir, 'logs', 'supervisor.log'), /"service":"backend".*"msg":"spawned pid/),
  };
}

/** The steps of ours' start since `since`, from its supervisor.log (pino lines, `time` in ms). */
function oursSteps(file: string, since: number): Step[] {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { time: string; service?: string; msg: string })
    .map((l) => ({ ...l, at: Date.parse(l.time) }))
    .filter((l) => l.at >= since - 1);
  const first = (f: (l: (typeof lines)[number]) => boolean): number => lines.find(f)?.at ?? Number.NaN;
  return [
    { name: STEPS[0], at: first(() => true) },
    { name: STEPS[1], at: first((l) => l.service === 'postgres' && l.msg.startsWith('spawned pid')) },
    { name: STEPS[2], at: first((l) => l.service === 'postgres' && l.msg.includes('→ running')) },
    { name: STEPS[3], at: first((l) => l.service === 'backend' && l.msg.startsWith('spawned pid')) },
  ];
}

function pm2(bin: string, runAs: RunAs | null): Tool {
  return {
    name: 'PM2',
    does: `PM2 ${pm2Version()} from its CLI: \`pm2 start <ecosystem>.json\` (a new PM2_HOME in the data folder, so each start begins with the daemon's own start; \`pm2 kill\` to stop). Apps in order: \`postgres\` (the same binary and arguments, interpreter none${runAs ? `, uid ${runAs.user}` : ''}, kill_timeout 30 s so its SIGINT fast shutdown is never cut short) and \`backend\` (the same server.js, node, the same PORT, HOST, DATA_DIR, DATABASE_URL of the superuser). Autorestart on, max_restarts 1000 so a crash loop never gives up. PM2 spawns them one right after the other: it has no dependencies nor health checks, so a backend that comes up before PostgreSQL exits (no database) and is restarted until PostgreSQL is up (the backend-spawns rows count it). Its cold start first runs bench/stack-initdb.sh (initdb); it makes no role or database: the backend uses the superuser and the database \`postgres\`.`,
    async start(dir, cold, ports) {
      const password = passwordOf(dir, cold);
      if (cold) await initCluster('PM2', dir, bin, runAs, password);
      const home = join(dir, 'pm2');
      const apps = {
        apps: [
          {
            name: 'postgres',
            script: join(bin, 'postgres'),
            args: postgresArgs(dir, ports.postgres),
            interpreter: 'none',
            cwd: join(dir, 'postgres'),
            env: { LC_ALL: 'C' },
            kill_timeout: 30_000,
            max_restarts: 1000,
            ...(runAs ? { uid: runAs.user } : {}),
          },
          {
            name: 'backend',
            script: SERVER_JS,
            interpreter: process.execPath,
            cwd: dirname(SERVER_JS),
            env: backendEnv(dir, ports, password),
            max_restarts: 1000,
          },
        ],
      };
      const file = join(dir, 'pm2-ecosystem.json');
      writeFileSync(file, JSON.stringify(apps, null, 2));
      const env = { ...cleanEnv(['DATABASE_URL', 'DATA_DIR', 'HOST']), PM2_HOME: home };
      await run(process.execPath, [PM2_BIN, 'start', file], env, join(dir, 'pm2-cli.log'));
      const daemonPid = (): number => Number(readFileSync(join(home, 'pm2.pid'), 'utf8'));
      return {
        roots: () => [daemonPid()],
        daemon: daemonPid,
        stop: () => run(process.execPath, [PM2_BIN, 'kill'], env, join(dir, 'pm2-cli.log')),
      };
    },
    backendSpawns: (dir) => countLines(join(dir, 'pm2', 'pm2.log'), /App \[backend:\d+\] starting/),
  };
}

function pm2Version(): string {
  return (JSON.parse(readFileSync(join(dirname(PM2_BIN), '..', 'package.json'), 'utf8')) as { version: string })
    .version;
}

function supervisordVersion(): string {
  return execFileSync('supervisord', ['--version'], { encoding: 'utf8' }).trim();
}

/** supervisord's `environment=` value: KEY="value" pairs, `%` doubled (its expansion). */
function supervisordEnv(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([k, v]) => `${k}="${v.replaceAll('%', '%%').replaceAll('"', '\\"')}"`)
    .join(',');
}

function supervisord(bin: string, runAs: RunAs | null): Tool {
  return {
    name: 'supervisord',
    does: `supervisord ${supervisordVersion()} in the foreground (\`supervisord -n -c <data folder>/supervisord.conf\`, with its unix_http_server for supervisorctl; SIGTERM to stop). Programs: \`postgres\` (priority 100, the same binary and arguments${runAs ? `, user ${runAs.user}` : ''}, stopsignal INT, stopwaitsecs 30) and \`backend\` (priority 200, the same server.js and environment as under PM2, startretries 100). Priority orders the spawns only: supervisord waits for no health, so a backend that comes up before PostgreSQL exits (no database) and is respawned after supervisord's back-off (1 s, then 2 s, …) until PostgreSQL is up. Its cold start first runs the same init script; no role or database either.`,
    async start(dir, cold, ports) {
      const password = passwordOf(dir, cold);
      if (cold) await initCluster('supervisord', dir, bin, runAs, password);
      const logs = join(dir, 'supervisord');
      mkdirSync(logs, { recursive: true });
      const conf = join(dir, 'supervisord.conf');
      writeFileSync(
        conf,
        [
          '[unix_http_server]',
          `file=${join(logs, 'supervisor.sock')}`,
          'chmod=0700',
          '[rpcinterface:supervisor]',
          'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
          '[supervisorctl]',
          `serverurl=unix://${join(logs, 'supervisor.sock')}`,
          '[supervisord]',
          'nodaemon=true',
          `logfile=${join(logs, 'supervisord.log')}`,
          `pidfile=${join(logs, 'supervisord.pid')}`,
          `childlogdir=${logs}`,
          ...(isRoot() ? ['user=root'] : []),
          '[program:postgres]',
          `command=${[join(bin, 'postgres'), ...postgresArgs(dir, ports.postgres)].join(' ')}`,
          `directory=${join(dir, 'postgres')}`,
          ...(runAs ? [`user=${runAs.user}`] : []),
          'environment=LC_ALL="C"',
          'priority=100',
          'autorestart=true',
          'stopsignal=INT',
          'stopwaitsecs=30',
          'redirect_stderr=true',
          `stdout_logfile=${join(logs, 'postgres.log')}`,
          '[program:backend]',
          `command=${process.execPath} ${SERVER_JS}`,
          `directory=${dirname(SERVER_JS)}`,
          `environment=${supervisordEnv(backendEnv(dir, ports, password))}`,
          'priority=200',
          'autorestart=true',
          'startretries=100',
          'stopsignal=TERM',
          'redirect_stderr=true',
          `stdout_logfile=${join(logs, 'backend.log')}`,
          '',
        ].join('\n'),
      );
      const child = spawn('supervisord', ['-n', '-c', conf], {
        env: cleanEnv(['DATABASE_URL', 'DATA_DIR', 'HOST']),
        stdio: 'ignore',
      });
      return {
        roots: () => [child.pid as number],
        daemon: () => child.pid as number,
        async stop() {
          child.kill('SIGTERM');
          await exited(child);
        },
      };
    },
    backendSpawns: (dir) => countLines(join(dir, 'supervisord', 'supervisord.log'), /spawned: 'backend'/),
  };
}

/** Polls `SELECT 1` as the superuser until it succeeds. */
async function untilPostgresAnswers(url: string, deadline: number): Promise<void> {
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch {
      if (performance.now() > deadline) throw new Error('PostgreSQL did not answer');
      await new Promise((r) => setTimeout(r, POLL_MS));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

function floor(bin: string, runAs: RunAs | null): Tool {
  const spawns = new Map<string, number>();
  return {
    name: 'no supervisor (floor)',
    does: 'the bench itself: (cold) the init script, then spawns PostgreSQL (as the same user), polls `SELECT 1` every 10 ms, then spawns the backend with the same environment. No supervision, no logs kept: the least any tool can take.',
    async start(dir, cold, ports) {
      const password = passwordOf(dir, cold);
      const begun = Date.now();
      if (cold) await initCluster('floor', dir, bin, runAs, password);
      const steps: Step[] = [{ name: STEPS[0], at: begun }];
      const postgres = spawn(join(bin, 'postgres'), postgresArgs(dir, ports.postgres), {
        cwd: join(dir, 'postgres'),
        env: { ...cleanEnv(['DATABASE_URL', 'DATA_DIR', 'HOST']), LC_ALL: 'C' },
        stdio: 'ignore',
        ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
      });
      steps.push({ name: STEPS[1], at: Date.now() });
      let backend: ChildProcess | null = null;
      const running: Running = {
        roots: () => [postgres.pid as number, ...(backend ? [backend.pid as number] : [])],
        daemon: () => null,
        async stop() {
          if (backend) {
            backend.kill('SIGTERM');
            await exited(backend);
          }
          postgres.kill('SIGINT');
          await exited(postgres);
        },
        steps: () => steps,
      };
      try {
        await untilPostgresAnswers(
          `postgres://postgres:${password}@127.0.0.1:${ports.postgres}/postgres`,
          performance.now() + START_DEADLINE_MS,
        );
      } catch (err) {
        await running.stop();
        throw err;
      }
      steps.push({ name: STEPS[2], at: Date.now() });
      spawns.set(dir, (spawns.get(dir) ?? 0) + 1);
      backend = spawn(process.execPath, [SERVER_JS], {
        cwd: dirname(SERVER_JS),
        env: { ...cleanEnv(['DATABASE_URL', 'DATA_DIR', 'HOST']), ...backendEnv(dir, ports, password) },
        stdio: 'ignore',
      });
      steps.push({ name: STEPS[3], at: Date.now() });
      return running;
    },
    backendSpawns: (dir) => spawns.get(dir) ?? 0,
  };
}

/** Resolves true once `GET url` answers 200 (false past the deadline). */
function healthOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 1_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

async function untilHealthy(url: string, since: number): Promise<number> {
  for (;;) {
    if (await healthOk(url)) return performance.now() - since;
    if (performance.now() - since > START_DEADLINE_MS) throw new Error(`${url} not 200 within ${START_DEADLINE_MS} ms`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Every live process: pid → parent pid, command name, state. */
function processTable(): Map<number, { ppid: number; comm: string; state: string }> {
  const table = new Map<number, { ppid: number; comm: string; state: string }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      table.set(Number(entry), {
        ppid: Number(fields[1]),
        comm: stat.slice(stat.indexOf('(') + 1, close),
        state: fields[0] ?? '',
      });
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

/** `roots` and every process below them (zombies left out). */
function treeOf(roots: number[]): { pid: number; comm: string }[] {
  const table = processTable();
  const found: { pid: number; comm: string }[] = [];
  const queue = [...roots];
  const seen = new Set<number>();
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const p = table.get(pid);
    if (!p || p.state === 'Z') continue;
    found.push({ pid, comm: p.comm });
    for (const [child, c] of table) if (c.ppid === pid) queue.push(child);
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** KiB of `field` (`VmRSS` of status, `Pss` of smaps_rollup); 0 when the process is gone. */
function kib(pid: number, file: 'status' | 'smaps_rollup', field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Idle memory of a running stack, KiB, by part. */
interface Memory {
  daemon: number;
  postgres: number;
  backend: number;
  other: number;
  rss: number;
  pss: number;
  processes: number;
}

function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

function memoryOf(running: Running): Memory {
  const daemon = running.daemon();
  const m: Memory = { daemon: 0, postgres: 0, backend: 0, other: 0, rss: 0, pss: 0, processes: 0 };
  for (const { pid, comm } of treeOf(running.roots())) {
    const rss = kib(pid, 'status', 'VmRSS');
    m.rss += rss;
    m.pss += kib(pid, 'smaps_rollup', 'Pss');
    m.processes++;
    if (pid === daemon) m.daemon += rss;
    else if (comm === 'postgres') m.postgres += rss;
    else if (cmdlineOf(pid).includes('server.js') || comm.startsWith('node')) m.backend += rss;
    else m.other += rss;
  }
  return m;
}

/** Idle memory: of 5 samples 0.5 s apart, the one of the median PSS (a health probe's passing connection is no idle state). */
async function idleMemory(running: Running): Promise<Memory> {
  const samples: Memory[] = [];
  for (let k = 0; k < 5; k++) {
    if (k > 0) await new Promise((r) => setTimeout(r, 500));
    samples.push(memoryOf(running));
  }
  return samples.sort((a, b) => a.pss - b.pss)[2] as Memory;
}

/** Stops a stack and waits until every process of its tree is gone (killing what a tool left). */
async function stopAll(running: Running, dir: string): Promise<string | null> {
  const tree = treeOf(running.roots());
  await running.stop();
  const deadline = performance.now() + STOP_DEADLINE_MS;
  while (tree.some((p) => alive(p.pid)) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const left = tree.filter((p) => alive(p.pid));
  for (const p of left) process.kill(p.pid, 'SIGKILL');
  const pidFile = join(dir, 'postgres', 'postgres', 'postmaster.pid');
  if (left.length > 0) return `left running and killed: ${left.map((p) => `${p.comm} ${p.pid}`).join(', ')}`;
  if (existsSync(pidFile)) return 'PostgreSQL did not shut down cleanly (postmaster.pid left)';
  return null;
}

interface ToolResult {
  cold: number[];
  warm: number[];
  memory: Memory[];
  spawnsCold: number[];
  spawnsWarm: number[];
  /** Per start (cold, warm): each step's duration, ms, by step name. */
  steps: { cold: Map<string, number[]>; warm: Map<string, number[]> };
  problems: string[];
}

const range = (xs: number[], f: (x: number) => string): string =>
  `${f(median(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`;
const sec = (ms: number): string => (ms / 1000).toFixed(2);
const mib = (k: number): string => (k / 1024).toFixed(1);

/** One repetition of one tool: cold start, stop, warm start, idle memory, stop; its folder removed. */
async function repetition(tool: Tool, result: ToolResult): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bsup-bench-stack-'));
  // Anyone may enter it: as root, the cluster (run as an unprivileged user) stays in it.
  chmodSync(dir, 0o711);
  const ports: Ports = { backend: await freePort(), postgres: await freePort() };
  const url = `http://127.0.0.1:${ports.backend}/health`;
  try {
    for (const cold of [true, false]) {
      const t0 = performance.now();
      const wall0 = Date.now();
      const running = await tool.start(dir, cold, ports);
      let healthyAt = Number.NaN;
      try {
        (cold ? result.cold : result.warm).push(await untilHealthy(url, t0));
        healthyAt = Date.now();
        if (!cold) {
          await new Promise((r) => setTimeout(r, SETTLE_MS));
          result.memory.push(await idleMemory(running));
        }
      } finally {
        const problem = await stopAll(running, dir);
        if (problem) result.problems.push(`${cold ? 'cold' : 'warm'}: ${problem}`);
      }
      if (running.steps) {
        const steps = [...running.steps(wall0), { name: STEPS[4], at: healthyAt }];
        const into = cold ? result.steps.cold : result.steps.warm;
        steps.forEach((s, k) => {
          const list = into.get(s.name) ?? [];
          list.push(s.at - (k === 0 ? wall0 : (steps[k - 1] as Step).at));
          into.set(s.name, list);
        });
      }
      const spawns = tool.backendSpawns(dir);
      if (cold) result.spawnsCold.push(spawns);
      else result.spawnsWarm.push(spawns - (result.spawnsCold.at(-1) ?? 0));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function gitCommit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${sha} (the work tree had uncommitted changes)` : sha;
  } catch {
    return 'unknown';
  }
}

/** Runs the default stack's bench and writes its section of bench/results.md. */
export async function defaultStackBench(): Promise<void> {
  if (!existsSync(SERVER_JS) || !existsSync(join(ROOT, 'out', 'node', 'headless.js'))) {
    throw new Error('build first: node scripts/build-node.mjs (npm run bench does)');
  }
  const binaries = findEmbeddedBinaries();
  const bin = dirname(binaries.postgres);
  const runAs = isRoot() ? resolveRunAs(undefined) : null;
  const tools = [
    ours(),
    pm2(bin, runAs),
    ...(haveSupervisord('stack') ? [supervisord(bin, runAs)] : []),
    floor(bin, runAs),
  ];
  const results = new Map<string, ToolResult>(
    tools.map((t) => [
      t.name,
      {
        cold: [],
        warm: [],
        memory: [],
        spawnsCold: [],
        spawnsWarm: [],
        steps: { cold: new Map(), warm: new Map() },
        problems: [],
      },
    ]),
  );
  const loadBefore = loadavg();
  const startedAt = new Date();
  console.log(`bench stack: ${RUNS} runs of ${tools.map((t) => t.name).join(', ')}`);
  for (let i = 0; i < RUNS; i++) {
    // Interleaved: each repetition runs every tool once, in an order rotated each time.
    const order = tools.map((_, k) => tools[(i + k) % tools.length] as Tool);
    for (const tool of order) {
      const r = results.get(tool.name) as ToolResult;
      await repetition(tool, r);
      const mem = r.memory.at(-1) as Memory;
      console.log(
        `  run ${i + 1} ${tool.name}: cold ${sec(r.cold.at(-1) as number)} s, warm ${sec(r.warm.at(-1) as number)} s, idle RSS ${mib(mem.rss)} MiB, PSS ${mib(mem.pss)} MiB`,
      );
    }
  }
  const loadAfter = loadavg();
  writeResultsSection(
    'default-stack',
    report(tools, results, {
      startedAt,
      loadBefore,
      loadAfter,
      postgres: execFileSync(binaries.postgres, ['--version'], { encoding: 'utf8' }).trim(),
    }),
  );
  console.log(readFileSync(join(import.meta.dirname, 'results.md'), 'utf8'));
}

/** Where the time of a start goes, for the tools that tell (ours from its log; the floor). */
function stepsTable(tools: Tool[], results: Map<string, ToolResult>): string[] {
  const told = tools.filter((t) => (results.get(t.name) as ToolResult).steps.cold.size > 0);
  if (told.length === 0) return [];
  const cols = told.flatMap((t) => [
    { tool: t.name, kind: 'cold' as const },
    { tool: t.name, kind: 'warm' as const },
  ]);
  return [
    "Where the time goes (each step's median (min–max), s; ours from the times in its supervisor.log, ms precision; medians of steps need not add up to the total's):",
    '',
    `| step | ${cols.map((c) => `${c.tool}, ${c.kind}`).join(' | ')} |`,
    `| --- | ${cols.map(() => '---').join(' | ')} |`,
    ...STEPS.map(
      (step) =>
        `| ${step} | ${cols
          .map((c) => {
            const xs = ((results.get(c.tool) as ToolResult).steps[c.kind].get(step) ?? []).filter(Number.isFinite);
            return xs.length > 0 ? range(xs, sec) : '—';
          })
          .join(' | ')} |`,
    ),
  ];
}

function report(
  tools: Tool[],
  results: Map<string, ToolResult>,
  at: { startedAt: Date; loadBefore: number[]; loadAfter: number[]; postgres: string },
): string {
  const ourName = tools[0]?.name as string;
  const ourR = results.get(ourName) as ToolResult;
  const cols = tools.map((t) => t.name);
  const row = (label: string, f: (r: ToolResult) => string): string =>
    `| ${label} | ${cols.map((c) => f(results.get(c) as ToolResult)).join(' | ')} |`;
  const ratio = (pick: (r: ToolResult) => number[]): string =>
    `| ours ÷ that (medians) | ${cols
      .map((c) => {
        const theirs = median(pick(results.get(c) as ToolResult));
        return c === ourName ? '1.00' : `${(median(pick(ourR)) / theirs).toFixed(2)} ×`;
      })
      .join(' | ')} |`;
  const memRow = (label: string, pick: (m: Memory) => number): string =>
    row(label, (r) => range(r.memory.map(pick), mib));
  const cpu = cpus();
  const load = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');
  const goal = (ok: boolean): string => (ok ? 'holds' : 'does not hold');
  const ourRss = median(ourR.memory.map((m) => m.rss));
  const ourPss = median(ourR.memory.map((m) => m.pss));
  const initdb = [...initdbMs.values()].flat();
  const problems = tools.flatMap((t) => (results.get(t.name) as ToolResult).problems.map((p) => `${t.name}: ${p}`));
  return [
    '## Default stack: cold start, warm start, idle memory',
    '',
    `Written by \`${process.env.BENCH_STACK_RUNS ? `BENCH_STACK_RUNS=${RUNS} ` : ''}npx tsx bench/run.ts --only stack\` (this part alone; \`npm run bench\` runs it after the others; BENCH_STACK_RUNS repetitions, default 5) on ${at.startedAt.toISOString()}, commit ${gitCommit()}.`,
    `Machine: ${cpu[0]?.model ?? 'unknown CPU'} × ${cpu.length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${release()}, Node ${process.version}, ${at.postgres}.`,
    `**A shared, busy machine**: other engineers' test suites ran at the same time; load average (1, 5, 15 min) ${load(at.loadBefore)} at the start, ${load(at.loadAfter)} at the end (2 cores). Expect noise: compare tools within this run, not with other runs.`,
    '',
    `${RUNS} repetitions, interleaved (each repetition runs every tool once, the order rotated each time); each run a new data folder (mode 0711 under ${tmpdir()}), removed after. Figures: median (min–max).`,
    "Cold start: the start command (and for PM2, supervisord and the floor, the init script with initdb first) on a new data folder → the first 200 from the backend's `GET /health` (polled every 10 ms; it answers 200 only once its database is open, migrated and seeded, 503 before). Warm start: everything stopped cleanly (each tool's own stop; the bench checks no process is left and PostgreSQL left no postmaster.pid), the same command on the same folder, to the same event. Memory: " +
      `${SETTLE_MS / 1000} s after the warm start's first 200, the daemon and every process below it (\`/proc/<pid>/status\` VmRSS; PSS from \`/proc/<pid>/smaps_rollup\`, which shares PostgreSQL's shared memory and libraries out among its processes instead of counting them in each).`,
    '',
    '| start → backend /health 200, s | ' + cols.join(' | ') + ' |',
    '| --- | ' + cols.map(() => '---').join(' | ') + ' |',
    row('cold start (new data folder)', (r) => range(r.cold, sec)),
    ratio((r) => r.cold),
    row('warm start (existing data folder)', (r) => range(r.warm, sec)),
    ratio((r) => r.warm),
    row('backend spawns, cold start', (r) => range(r.spawnsCold, String)),
    row('backend spawns, warm start', (r) => range(r.spawnsWarm, String)),
    '',
    initdb.length > 0
      ? `The init script alone (initdb, timed inside the cold starts of PM2, supervisord and the floor): ${range(initdb, sec)} s over ${initdb.length} runs; initdb syncs about 1,000 files to disk, so a disk others use slows every tool's cold start alike.`
      : '',
    '',
    ...stepsTable(tools, results),
    '',
    '| idle memory after the warm start, MiB | ' + cols.join(' | ') + ' |',
    '| --- | ' + cols.map(() => '---').join(' | ') + ' |',
    memRow('the daemon (RSS)', (m) => m.daemon),
    memRow('PostgreSQL, all its processes (RSS)', (m) => m.postgres),
    memRow('the backend (RSS)', (m) => m.backend),
    memRow('other processes it started (RSS)', (m) => m.other),
    memRow('**whole stack, sum of RSS**', (m) => m.rss),
    ratio((r) => r.memory.map((m) => m.rss)),
    memRow('**whole stack, sum of PSS**', (m) => m.pss),
    ratio((r) => r.memory.map((m) => m.pss)),
    row('processes', (r) =>
      range(
        r.memory.map((m) => m.processes),
        String,
      ),
    ),
    '',
    `Goals (issue 12): cold ≤ 2 s ${goal(median(ourR.cold) <= 2000)} (median ${sec(median(ourR.cold))} s); warm ≤ 1 s ${goal(median(ourR.warm) <= 1000)} (median ${sec(median(ourR.warm))} s); whole stack ≤ 200 MiB ${goal(ourRss <= 200 * 1024)} by the sum of RSS (${mib(ourRss)} MiB), ${goal(ourPss <= 200 * 1024)} by PSS (${mib(ourPss)} MiB).`,
    '',
    'What each does (and does not):',
    '',
    ...tools.map((t) => `- **${t.name}**: ${t.does}`),
    '',
    'Not alike, and so not measured here: only ours orders the start by health, makes the application role and database, keeps the logs rotated and serves an API and dashboard; PM2 keeps logs and an RPC socket; supervisord keeps logs and its socket; the floor does nothing but spawn. The bench runs as ' +
      (isRoot()
        ? 'root: PostgreSQL runs as the unprivileged `backend-supervisor` under every tool.'
        : 'an ordinary user.'),
    ...(problems.length > 0 ? ['', 'Problems seen:', '', ...problems.map((p) => `- ${p}`)] : []),
  ]
    .filter((l, i, all) => !(l === '' && all[i - 1] === ''))
    .join('\n');
}
