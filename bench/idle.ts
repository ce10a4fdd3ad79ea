/**
 * `npx tsx bench/run.ts --only idle` (and `npm run bench`): the daemon at idle and its own
 * start-up, beside PM2 and supervisord on the same fixture (test/fixtures/fault-backend.mjs),
 * written to the "idle" section of bench/results.md. Each repetition runs every tool once, the
 * order rotated. Per run: the daemon started in a new data folder, the fixture's /health polled
 * until it answers, SETTLE_S of quiet, then over BENCH_IDLE_SECONDS (default 30): its CPU
 * (the scheduler's run time of every thread, /proc/<pid>/task/<tid>/schedstat, in ns: the
 * clock ticks of /proc/<pid>/stat count 10 ms at a time, and 0.05 % of 30 s is 15 ms), also
 * over the window's last STEADY_S s alone (past V8's memory-reducing collections, which run
 * once, ~8 s after a start, ~0.1 s of CPU), its RSS (VmRSS each second, the median) and its
 * main thread's wake-ups (voluntary + involuntary context switches of /proc/<pid>/status: an
 * event loop that sleeps in epoll_wait switches once per wake-up). Ours also: spawn → the
 * dashboard line (ready to serve) and → `running`, and `--version` (spawn → exit).
 * BENCH_IDLE_BEFORE=<a built headless.js> adds that build as "before". Runs: BENCH_IDLE_RUNS
 * (default 5).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, chmodSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isRoot } from '../src/main/core/postgres/run-as';
import { writeResultsSection } from './results-file';
import { cleanEnv, exited, median, PM2_BIN, run, sleep } from './tools';
import { FAULT_BACKEND, freePort } from '../test/helpers/supervise';

const RUNS = Number(process.env.BENCH_IDLE_RUNS ?? 5);
const IDLE_S = Number(process.env.BENCH_IDLE_SECONDS ?? 30);
/** Quiet after the fixture first answers, before sampling, s (a start's last probes and writes). */
const SETTLE_S = 5;
/** The end of the window also given alone, s: steady idle, once V8 has shrunk the heap the start grew. */
const STEADY_S = 15;
const ROOT = join(import.meta.dirname, '..');
const OURS = join(ROOT, 'out', 'node', 'headless.js');

interface Running {
  daemon(): number;
  /** ms from the spawn to the dashboard line and to `running` (ours only). */
  startup?: () => { readyMs: number | null; runningMs: number | null };
  stop(): Promise<void>;
}
interface Tool {
  name: string;
  does: string;
  start(dir: string, port: number): Promise<Running>;
  /** ms of `--version`, spawn → exit (ours only). */
  version?: () => Promise<number>;
}
interface Sample {
  cpuPercent: number;
  /** CPU over the window's last STEADY_S s, % (past V8's memory-reducing collections, ~8 s after a start). */
  steadyCpuPercent: number;
  rssMiB: number;
  wakeupsPerS: number;
  readyMs: number | null;
  runningMs: number | null;
  versionMs: number | null;
}

/** The node arguments that run `main(args)` of the built headless entry `entry`. */
function entryArgs(entry: string, args: string[]): string[] {
  const code = `const { main } = await import(${JSON.stringify(pathToFileURL(entry).href)}); process.exitCode = await main(${JSON.stringify(args)});`;
  return ['--input-type=module', '-e', code];
}

/** backend-supervisor `serve` from the built entry `entry`: its defaults but the ports, data folder and a 5 s health interval. */
function ours(name: string, entry: string, label: string): Tool {
  return {
    name,
    does: `${label}: \`serve\` (${entry.startsWith(ROOT) ? entry.slice(ROOT.length + 1) : entry}) supervising the fixture, HEALTH_CHECK_INTERVAL=5, everything else its defaults; its output read for the start-up times.`,
    async start(dir, port) {
      const t0 = performance.now();
      const child = spawn(process.execPath, entryArgs(entry, ['serve']), {
        env: {
          ...cleanEnv(),
          SUPERVISOR_DATA_DIR: dir,
          GO_BACKEND_BINARY: process.execPath,
          BACKEND_ARGS: JSON.stringify([FAULT_BACKEND]),
          GO_BACKEND_URL: `http://127.0.0.1:${port}`,
          CONTROL_PORT: String(await freePort()),
          PORT: String(port),
          HEALTH_CHECK_INTERVAL: '5',
        },
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let text = '';
      let readyMs: number | null = null;
      let runningMs: number | null = null;
      child.stdout?.on('data', (chunk: Buffer) => {
        if (readyMs !== null && runningMs !== null) return;
        text += chunk.toString();
        if (readyMs === null && text.includes('backend-supervisor: dashboard')) readyMs = performance.now() - t0;
        if (runningMs === null && text.includes('Backend started successfully')) runningMs = performance.now() - t0;
      });
      return {
        daemon: () => child.pid as number,
        startup: () => ({ readyMs, runningMs }),
        async stop() {
          child.kill('SIGTERM');
          await exited(child);
        },
      };
    },
    async version() {
      const t0 = performance.now();
      await run(process.execPath, entryArgs(entry, ['--version']), cleanEnv());
      return performance.now() - t0;
    },
  };
}

function pm2(): Tool {
  const version = (
    JSON.parse(readFileSync(join(dirname(PM2_BIN), '..', 'package.json'), 'utf8')) as { version: string }
  ).version;
  return {
    name: 'PM2',
    does: `PM2 ${version} from its CLI: \`pm2 start <ecosystem>.json\` (a new PM2_HOME per run; \`pm2 kill\` to stop), the fixture as a fork-mode app, its defaults; the daemon measured (not the CLI, which exits).`,
    async start(dir, port) {
      const home = join(dir, 'pm2');
      const file = join(dir, 'ecosystem.json');
      const app = {
        name: 'fixture',
        script: FAULT_BACKEND,
        interpreter: process.execPath,
        env: { PORT: String(port) },
      };
      writeFileSync(file, JSON.stringify({ apps: [app] }));
      const env = { ...cleanEnv(), PM2_HOME: home };
      await run(process.execPath, [PM2_BIN, 'start', file], env);
      return {
        daemon: () => Number(readFileSync(join(home, 'pm2.pid'), 'utf8')),
        stop: () => run(process.execPath, [PM2_BIN, 'kill'], env),
      };
    },
  };
}

function supervisord(): Tool | null {
  let version: string;
  try {
    version = execFileSync('supervisord', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    console.log('bench idle: no supervisord (Debian package supervisor): left out');
    return null;
  }
  return {
    name: 'supervisord',
    does: `supervisord ${version} in the foreground (\`supervisord -n -c <conf>\`; SIGTERM to stop), the fixture as one program, its defaults.`,
    async start(dir, port) {
      const conf = join(dir, 'supervisord.conf');
      writeFileSync(
        conf,
        [
          '[supervisord]',
          `logfile=${join(dir, 'supervisord.log')}`,
          `pidfile=${join(dir, 'supervisord.pid')}`,
          `childlogdir=${dir}`,
          ...(isRoot() ? ['user=root'] : []),
          '',
          '[program:fixture]',
          `command=${process.execPath} ${FAULT_BACKEND}`,
          `environment=PORT="${port}"`,
          '',
        ].join('\n'),
      );
      const child = spawn('supervisord', ['-n', '-c', conf], { env: cleanEnv(), stdio: 'ignore' });
      return {
        daemon: () => child.pid as number,
        async stop() {
          child.kill('SIGTERM');
          await exited(child);
        },
      };
    },
  };
}

/** CPU time of every thread of `pid` so far, ns (the first field of each thread's schedstat). */
function cpuNs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // a thread that ended meanwhile
    }
  }
  return ns;
}
function statusField(pid: number, field: string): number {
  const m = new RegExp(`(?:^|\\n)${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}
const switches = (pid: number): number =>
  statusField(pid, 'voluntary_ctxt_switches') + statusField(pid, 'nonvoluntary_ctxt_switches');

/** Polls the fixture's /health until it answers 200; rejects after `ms`. */
async function answered(port: number, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).status === 200) return;
    } catch {
      // not yet
    }
    if (performance.now() > deadline) throw new Error(`the fixture did not answer on port ${port} within ${ms} ms`);
    await sleep(25);
  }
}

async function once(tool: Tool): Promise<Sample> {
  const dir = mkdtempSync(join(tmpdir(), 'bsup-bench-idle-'));
  chmodSync(dir, 0o711);
  const port = await freePort();
  const running = await tool.start(dir, port);
  try {
    await answered(port, 30_000);
    await sleep(SETTLE_S * 1_000);
    const pid = running.daemon();
    const cpu0 = cpuNs(pid);
    const switches0 = switches(pid);
    const t0 = performance.now();
    const rss: number[] = [];
    let steady = { cpu: cpu0, at: t0 };
    for (let s = 0; s < IDLE_S; s++) {
      await sleep(1_000);
      rss.push(statusField(pid, 'VmRSS') / 1024);
      if (s === IDLE_S - STEADY_S - 1) steady = { cpu: cpuNs(pid), at: performance.now() };
    }
    const seconds = (performance.now() - t0) / 1_000;
    const cpuEnd = cpuNs(pid);
    const { readyMs = null, runningMs = null } = running.startup?.() ?? {};
    return {
      cpuPercent: ((cpuEnd - cpu0) / 1e9 / seconds) * 100,
      steadyCpuPercent: ((cpuEnd - steady.cpu) / 1e9 / ((performance.now() - steady.at) / 1_000)) * 100,
      rssMiB: median(rss),
      wakeupsPerS: (switches(pid) - switches0) / seconds,
      readyMs,
      runningMs,
      versionMs: null,
    };
  } finally {
    await running.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `median (min–max)` of the non-null values, `digits` decimals; `–` when there are none. */
function spread(xs: (number | null)[], digits: number): string {
  const v = xs.filter((x): x is number => x !== null);
  if (v.length === 0) return '–';
  return `${median(v).toFixed(digits)} (${Math.min(...v).toFixed(digits)}–${Math.max(...v).toFixed(digits)})`;
}

function commitLine(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'scripts'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    return `commit ${commit}${dirty.trim() ? ' (src/ or scripts/ had uncommitted changes)' : ''}`;
  } catch {
    return 'commit unknown';
  }
}

/** The commit of the checkout a built entry lies in (`commit abc1234`), or its path when that is unknown. */
function buildOf(entry: string): string {
  try {
    const dir = dirname(entry);
    return `commit ${execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim()}`;
  } catch {
    return entry;
  }
}

/** Runs the idle part and writes its section of bench/results.md. */
export async function idleBench(): Promise<void> {
  const before = process.env.BENCH_IDLE_BEFORE;
  const tools = [
    ours('backend-supervisor', OURS, 'backend-supervisor'),
    ...(before ? [ours('before', before, `backend-supervisor before this change (${buildOf(before)})`)] : []),
    pm2(),
    ...[supervisord()].filter((t): t is Tool => t !== null),
  ];
  const results = new Map<string, Sample[]>(tools.map((t) => [t.name, []]));
  const loadBefore = loadavg();
  for (let r = 0; r < RUNS; r++) {
    const order = [...tools.slice(r % tools.length), ...tools.slice(0, r % tools.length)];
    for (const tool of order) {
      const sample = await once(tool);
      sample.versionMs = tool.version ? await tool.version() : null;
      results.get(tool.name)?.push(sample);
      console.log(`bench idle: run ${r + 1}/${RUNS} ${tool.name}: ${JSON.stringify(sample)}`);
    }
  }
  const loadAfter = loadavg();
  const column = (pick: (s: Sample) => number | null, digits: number): string =>
    tools.map((t) => spread((results.get(t.name) ?? []).map(pick), digits)).join(' | ');
  const load = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');
  const md = [
    '## Idle and start-up: the daemon alone',
    '',
    `Written by \`npx tsx bench/run.ts --only idle\` on ${new Date().toISOString()}, ${commitLine()}.`,
    `Machine: ${cpus()[0]?.model.trim() ?? 'unknown'} × ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${release()}, Node ${process.version}.`,
    `Load average (1, 5, 15 min): ${load(loadBefore)} at the start, ${load(loadAfter)} at the end (a shared machine: compare tools within this run).`,
    '',
    `${RUNS} repetitions, interleaved (each runs every tool once, the order rotated); each tool supervises test/fixtures/fault-backend.mjs in a new data folder. Once the fixture answers /health and ${SETTLE_S} s have passed: over ${IDLE_S} s the daemon's CPU (every thread's run time, /proc/<pid>/task/*/schedstat, ns; also over the window's last ${STEADY_S} s alone: V8 shrinks the heap a start grew ~8 s after it, once, ~0.1 s of CPU), RSS (VmRSS each second, median) and its main thread's wake-ups (context switches in /proc/<pid>/status, per second). Ours also: spawn → the dashboard line (ready), → \`running\`, and \`--version\` (spawn → exit). Figures: median (min–max).`,
    '',
    `| figure | ${tools.map((t) => t.name).join(' | ')} |`,
    `| --- |${tools.map(() => ' --- |').join('')}`,
    `| idle CPU, % of one core | ${column((s) => s.cpuPercent, 3)} |`,
    `| idle CPU, the window's last ${STEADY_S} s, % | ${column((s) => s.steadyCpuPercent, 3)} |`,
    `| idle RSS, MiB | ${column((s) => s.rssMiB, 1)} |`,
    `| wake-ups of the main thread, per s | ${column((s) => s.wakeupsPerS, 1)} |`,
    `| spawn → ready to serve (dashboard line), ms | ${column((s) => s.readyMs, 0)} |`,
    `| spawn → backend \`running\`, ms | ${column((s) => s.runningMs, 0)} |`,
    `| \`--version\`, ms | ${column((s) => s.versionMs, 0)} |`,
    '',
    "Goals (issue 13): idle CPU ≤ 0.05 %; idle RSS below PM2's (≤ 50 MiB); nothing wakes more often than the health interval and one sampler a second.",
    '',
    'What each does:',
    '',
    ...tools.map((t) => `- **${t.name}**: ${t.does}`),
    '',
  ].join('\n');
  writeResultsSection('idle', md);
  console.log(md);
}
