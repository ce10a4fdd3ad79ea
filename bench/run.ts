/**
 * `npm run bench`: supervision speed and footprint, written to bench/results.md.
 *
 * Each figure is a median over repeated runs on this machine, beside its floor or PM2 on
 * the same fixture (test/fixtures/fault-backend.mjs) in the same run:
 *   - crash (kill -9) → first healthy probe of the new process: ours, PM2's, and the
 *     fixture's bare spawn → healthy time (the floor no supervisor can beat);
 *   - hang (SIGSTOP) → `unhealthy` detected;
 *   - a slow start (the fixture listens at 3 s): its listening → `running`, and the
 *     supervisor's CPU while a backend takes 10 s to listen;
 *   - stop of a backend that ignores SIGTERM (SIGKILL at the stop timeout);
 *   - the headless supervisor's idle RSS and CPU over 30 s;
 *   - a flood of 1,000,000 lines: ingest rate to disk and peak RSS, beside PM2;
 *   - the default stack (embedded PostgreSQL + the reference backend): cold and warm start
 *     and idle memory, beside PM2 and supervisord (bench/stack.ts; alone: `--only stack`);
 *   - the dashboard: its weight as served and its first load in Chromium
 *     (bench/dashboard-load.ts; alone: `--only dashboard`);
 *   - the log flood: ingest rate, memory, lines kept and bytes on disk with each tool's
 *     default retention, beside PM2 and supervisord (bench/flood.ts; alone: `--only flood`);
 *   - the daemon at idle (CPU, RSS, wake-ups) and its start-up, beside PM2 and supervisord
 *     (bench/idle.ts; alone: `--only idle`);
 *   - the Logs view with 100,000 lines: navigation → newest line, older pages as it is
 *     scrolled up (bench/logs-view.ts; alone: `--only logs`).
 * Runs: BENCH_RUNS (default 15). Ports are free loopback ports; everything it starts, it stops.
 * Each part writes its own section of bench/results.md (bench/results-file.ts).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpHealthProbe } from '../src/main/core/health-probe';
import { writeResultsSection } from './results-file';
import { dashboardLoadBench } from './dashboard-load';
import { defaultStackBench } from './stack';
import { floodBench } from './flood';
import { idleBench } from './idle';
import { logsViewBench } from './logs-view';
import { startHeadless } from '../test/helpers/headless-server';
import {
  FAULT_BACKEND,
  freePort,
  pollUntil,
  realSupervisor,
  tempDir,
  testConfig,
  waitForState,
} from '../test/helpers/supervise';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 30);
const probe = new HttpHealthProbe();

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;

/** Polls `url` every 1 ms until it answers 2xx; resolves with the time it took, ms. */
async function timeUntilHealthy(url: string, since: number, deadlineMs = 15_000): Promise<number> {
  for (;;) {
    const p = await probe.probe(url, 1_000);
    if (p.ok) return performance.now() - since;
    if (performance.now() - since > deadlineMs) throw new Error(`${url} not healthy within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** The floor: spawn the fixture directly and poll its health every 1 ms. */
async function bareSpawnToHealthy(): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const port = await freePort();
    const t0 = performance.now();
    const child = spawn(process.execPath, [FAULT_BACKEND], {
      env: { ...process.env, PORT: String(port) },
      stdio: 'ignore',
    });
    samples.push(await timeUntilHealthy(`http://127.0.0.1:${port}/health`, t0));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
  return samples;
}

/** Ours: kill -9 the running backend; time until the new process's first healthy probe. */
async function oursCrashToHealthy(): Promise<number[]> {
  const port = await freePort();
  const { supervisor } = realSupervisor(
    testConfig(port, { maxRestartAttempts: 3, restartResetAfterMs: 0, healthCheckIntervalMs: 30_000 }),
  );
  await supervisor.start('user-ui');
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const before = supervisor.status().pid as number;
    const running = new Promise<number>((resolve) => {
      const onState = (e: { to: string; status: { pid: number | null } }): void => {
        if (e.to === 'running' && e.status.pid !== before) {
          supervisor.off('state', onState);
          resolve(performance.now());
        }
      };
      supervisor.on('state', onState);
    });
    const t0 = performance.now();
    process.kill(before, 'SIGKILL');
    samples.push((await running) - t0);
  }
  await supervisor.dispose();
  return samples;
}

/** One PM2 daemon (its own PM2_HOME) for all PM2 measurements of a run. */
interface Pm2Session {
  pm2: typeof import('pm2');
  call: <T>(fn: (cb: (err: unknown, v: T) => void) => void) => Promise<T>;
  daemonPid: () => number | null;
}

/** Connects to (starts) a private PM2 daemon, runs `fn`, then kills the daemon. */
async function withPm2<T>(fn: (session: Pm2Session) => Promise<T>): Promise<T> {
  const home = tempDir('bsup-pm2-');
  process.env.PM2_HOME = home; // read by pm2 when it is first imported
  const pm2 = (await import('pm2')).default;
  const call = <V>(f: (cb: (err: unknown, v: V) => void) => void): Promise<V> =>
    new Promise((resolve, reject) => f((err, v) => (err ? reject(err) : resolve(v))));
  const daemonPid = (): number | null => {
    try {
      return Number(readFileSync(join(home, 'pm2.pid'), 'utf8'));
    } catch {
      return null;
    }
  };
  await call((cb) => pm2.connect(cb as never));
  try {
    return await fn({ pm2, call, daemonPid });
  } finally {
    await call((cb) => pm2.killDaemon(cb as never)).catch(() => undefined);
    pm2.disconnect();
  }
}

/** PM2 on the same fixture: kill -9 its process; time until the fixture answers again. */
async function pm2CrashToHealthy({
  pm2,
  call,
  daemonPid,
}: Pm2Session): Promise<{ samples: number[]; daemonRssKb: number | null }> {
  const port = await freePort();
  const samples: number[] = [];
  try {
    await call((cb) =>
      pm2.start(
        {
          script: FAULT_BACKEND,
          name: 'bench',
          env: { PORT: String(port) },
          autorestart: true,
          restart_delay: 0,
          max_restarts: 100_000,
          min_uptime: 0,
        } as never,
        cb as never,
      ),
    );
    const url = `http://127.0.0.1:${port}/health`;
    await timeUntilHealthy(url, performance.now());
    for (let i = 0; i < RUNS; i++) {
      const list = await call<{ pid?: number }[]>((cb) => pm2.describe('bench', cb as never));
      const pid = list[0]?.pid as number;
      const t0 = performance.now();
      process.kill(pid, 'SIGKILL');
      await pollUntil(async () => !(await probe.probe(url, 200)).ok, 5_000, 1, 'the old process to go');
      samples.push(await timeUntilHealthy(url, t0));
    }
    const pid = daemonPid();
    return { samples, daemonRssKb: pid ? rssKb(pid) : null };
  } finally {
    await call((cb) => pm2.delete('bench', cb as never)).catch(() => undefined);
  }
}

/** SIGSTOP the backend; time until `unhealthy` (interval 1 s, timeout 200 ms, threshold 3, confirm 100 ms). */
async function hangToUnhealthy(): Promise<number[]> {
  const samples: number[] = [];
  const runs = Math.min(RUNS, 7);
  for (let i = 0; i < runs; i++) {
    const port = await freePort();
    const { supervisor } = realSupervisor(
      testConfig(port, {
        healthCheckIntervalMs: 1_000,
        healthCheckTimeoutMs: 200,
        healthFailureThreshold: 3,
        healthConfirmDelayMs: 100,
        autoRestart: false,
        stopTimeoutMs: 200,
      }),
    );
    const pid = (await supervisor.start('user-ui')).pid as number;
    const t0 = performance.now();
    process.kill(pid, 'SIGSTOP');
    await waitForState(supervisor, 'unhealthy', 10_000);
    samples.push(performance.now() - t0);
    await supervisor.dispose();
  }
  return samples;
}

/** A backend that listens 3 s after its spawn: ms from its listening (wall clock) to `running`. */
async function slowStartToRunning(): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < Math.min(RUNS, 5); i++) {
    const port = await freePort();
    const listening = join(tempDir(), 'listening');
    const { supervisor } = realSupervisor(
      testConfig(port, { env: { PORT: String(port), START_DELAY_MS: '3000', LISTENING_FILE: listening } }),
    );
    let runningAt = 0;
    supervisor.on('state', (e) => {
      if (e.to === 'running' && runningAt === 0) runningAt = Date.now();
    });
    await supervisor.start('user-ui');
    samples.push(runningAt - Number(readFileSync(listening, 'utf8')));
    await supervisor.dispose();
  }
  return samples;
}

/** The supervisor's CPU (this process) while a backend takes 10 s to listen, % of one core. */
async function slowStartCpu(): Promise<number> {
  const port = await freePort();
  const { supervisor } = realSupervisor(
    testConfig(port, { startupTimeoutMs: 20_000, env: { PORT: String(port), START_DELAY_MS: '10000' } }),
  );
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await supervisor.start('user-ui');
  const cpu = process.cpuUsage(cpu0);
  const percent = ((cpu.user + cpu.system) / 1000 / (performance.now() - t0)) * 100;
  await supervisor.dispose();
  return percent;
}

/** Stop of a backend that traps SIGTERM, with a 1 s stop timeout. */
async function stopIgnoringSigterm(): Promise<number[]> {
  const samples: number[] = [];
  const runs = Math.min(RUNS, 7);
  for (let i = 0; i < runs; i++) {
    const port = await freePort();
    const { supervisor } = realSupervisor(
      testConfig(port, { stopTimeoutMs: 1_000, env: { PORT: String(port), IGNORE_SIGTERM: '1' } }),
    );
    await supervisor.start('user-ui');
    const t0 = performance.now();
    await supervisor.stop('user-ui');
    samples.push(performance.now() - t0);
    await supervisor.dispose();
  }
  return samples;
}

function rssKb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime
}

/** The headless supervisor (serve) supervising the fixture, idle for IDLE_SECONDS. */
async function idleFootprint(): Promise<{ rssMb: number; cpuPercent: number }> {
  const port = await freePort();
  const server = await startHeadless({
    GO_BACKEND_BINARY: process.execPath,
    BACKEND_ARGS: JSON.stringify([FAULT_BACKEND]),
    GO_BACKEND_URL: `http://127.0.0.1:${port}`,
    PORT: String(port),
    HEALTH_CHECK_INTERVAL: '5',
  });
  try {
    await pollUntil(() => server.output().includes('Backend started successfully'), 15_000, 25, 'the backend');
    const pid = server.process.pid as number;
    const ticks0 = cpuTicks(pid);
    const rss: number[] = [];
    for (let s = 0; s < IDLE_SECONDS; s++) {
      await new Promise((r) => setTimeout(r, 1_000));
      rss.push(rssKb(pid) ?? 0);
    }
    const ticks = cpuTicks(pid) - ticks0;
    const hz = 100; // USER_HZ on Linux
    return { rssMb: median(rss) / 1024, cpuPercent: (ticks / hz / IDLE_SECONDS) * 100 };
  } finally {
    await server.stop();
  }
}

const FLOOD_LINES = Number(process.env.BENCH_FLOOD_LINES ?? 1_000_000);

/** Counts newline characters of the files whose names start with `prefix` in `dir`. */
function countLines(dir: string, prefix: string): number {
  let n = 0;
  for (const f of readdirSync(dir).filter((name) => name.startsWith(prefix))) {
    const buf = readFileSync(join(dir, f));
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  }
  return n;
}

/** Samples a process's RSS every 50 ms until stopped; resolves with the peak, KiB. */
function peakRss(pid: () => number | null): { stop: () => number } {
  let peak = 0;
  const timer = setInterval(() => {
    const p = pid();
    if (p) peak = Math.max(peak, rssKb(p) ?? 0);
  }, 50);
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}

/**
 * The flood: the fixture writes FLOOD_LINES lines as fast as its pipe takes them.
 * Ours: the headless supervisor, time from spawn to the last line on disk, peak RSS.
 */
async function oursFlood(): Promise<{ seconds: number; peakRssKb: number; onDisk: number }> {
  const port = await freePort();
  const dataDir = tempDir('bsup-flood-');
  const server = await startHeadless({
    GO_BACKEND_BINARY: process.execPath,
    BACKEND_ARGS: JSON.stringify([FAULT_BACKEND]),
    GO_BACKEND_URL: `http://127.0.0.1:${port}`,
    PORT: String(port),
    FLOOD_LINES: String(FLOOD_LINES),
    SUPERVISOR_DATA_DIR: dataDir,
    LOG_FILE_MAX_MB: '1000',
    HEALTH_CHECK_INTERVAL: '30',
  });
  const rss = peakRss(() => server.process.pid ?? null);
  const t0 = performance.now();
  const logDir = join(dataDir, 'logs');
  // The backend's last line is on disk when backend.log holds every line (+ the few others).
  await pollUntil(() => countLines(logDir, 'backend.log') >= FLOOD_LINES + 1, 300_000, 200, 'the flood on disk');
  const seconds = (performance.now() - t0) / 1000;
  const peakRssKb = rss.stop();
  await server.stop();
  return { seconds, peakRssKb, onDisk: countLines(logDir, 'backend.log') };
}

/** PM2 on the same fixture: time until its out file holds every line, daemon peak RSS. */
async function pm2Flood({
  pm2,
  call,
  daemonPid,
}: Pm2Session): Promise<{ seconds: number; peakRssKb: number; onDisk: number }> {
  const port = await freePort();
  const logDir = tempDir('bsup-pm2-logs-');
  const rss = peakRss(daemonPid);
  const t0 = performance.now();
  try {
    await call((cb) =>
      pm2.start(
        {
          script: FAULT_BACKEND,
          name: 'flood',
          env: { PORT: String(port), FLOOD_LINES: String(FLOOD_LINES) },
          autorestart: false,
          out_file: join(logDir, 'out.log'),
          error_file: join(logDir, 'err.log'),
        } as never,
        cb as never,
      ),
    );
    await pollUntil(() => countLines(logDir, 'out.log') >= FLOOD_LINES + 1, 300_000, 200, 'the PM2 flood on disk');
    return { seconds: (performance.now() - t0) / 1000, peakRssKb: rss.stop(), onDisk: countLines(logDir, 'out.log') };
  } finally {
    rss.stop();
    await call((cb) => pm2.delete('flood', cb as never)).catch(() => undefined);
  }
}

async function main(): Promise<void> {
  console.log(`bench: ${RUNS} runs each`);
  const bare = await bareSpawnToHealthy();
  console.log(`bare spawn → healthy: ${fmt(median(bare))}`);
  const ours = await oursCrashToHealthy();
  console.log(`ours crash → healthy: ${fmt(median(ours))}`);
  const { pm2, pm2flood } = await withPm2(async (session) => ({
    pm2: await pm2CrashToHealthy(session),
    pm2flood: await pm2Flood(session),
  }));
  console.log(`pm2 crash → healthy: ${fmt(median(pm2.samples))}`);
  const hang = await hangToUnhealthy();
  console.log(`hang → unhealthy: ${fmt(median(hang))}`);
  const stop = await stopIgnoringSigterm();
  console.log(`stop (SIGTERM ignored): ${fmt(median(stop))}`);
  const slow = await slowStartToRunning();
  console.log(`slow start: listening → running ${fmt(median(slow))}`);
  const slowCpu = await slowStartCpu();
  console.log(`slow start: supervisor CPU ${slowCpu.toFixed(2)} %`);
  const idle = await idleFootprint();
  console.log(`idle: ${idle.rssMb.toFixed(1)} MiB, ${idle.cpuPercent.toFixed(2)} % CPU`);

  const flood = await oursFlood();
  console.log(`flood ours: ${flood.seconds.toFixed(2)} s, peak RSS ${(flood.peakRssKb / 1024).toFixed(1)} MiB`);
  console.log(`flood pm2: ${pm2flood.seconds.toFixed(2)} s, peak RSS ${(pm2flood.peakRssKb / 1024).toFixed(1)} MiB`);

  const floor = median(bare);
  const rows = [
    ['bare spawn → healthy (the floor)', fmt(floor), '1.00 × floor', `${bare.length}`],
    [
      'crash (kill -9) → healthy: backend-supervisor',
      fmt(median(ours)),
      `${(median(ours) / floor).toFixed(2)} × floor`,
      `${ours.length}`,
    ],
    [
      'crash (kill -9) → healthy: PM2',
      fmt(median(pm2.samples)),
      `${(median(pm2.samples) / floor).toFixed(2)} × floor; ours = ${(median(ours) / median(pm2.samples)).toFixed(2)} × PM2`,
      `${pm2.samples.length}`,
    ],
    [
      'hang (SIGSTOP) → unhealthy (interval 1 s, timeout 0.2 s, threshold 3, confirm 0.1 s)',
      fmt(median(hang)),
      'bound: 1 s + 3 × 0.2 s + 2 × 0.1 s = 1.8 s',
      `${hang.length}`,
    ],
    [
      'slow start (listens at 3 s): listening → `running`',
      fmt(median(slow)),
      'target: within 50 ms (loopback startup probes ≤ 25 ms apart)',
      `${slow.length}`,
    ],
    ['supervisor CPU while a backend takes 10 s to listen', `${slowCpu.toFixed(2)} %`, 'of one core', '1'],
    [
      'stop, backend ignores SIGTERM (stop timeout 1 s)',
      fmt(median(stop)),
      `${((median(stop) / 1000 - 1) * 100).toFixed(1)} % over the timeout`,
      `${stop.length}`,
    ],
    [
      `idle supervisor RSS over ${IDLE_SECONDS} s (health every 5 s)`,
      `${idle.rssMb.toFixed(1)} MiB`,
      pm2.daemonRssKb ? `PM2 daemon: ${(pm2.daemonRssKb / 1024).toFixed(1)} MiB` : '',
      '1',
    ],
    [`idle supervisor CPU over ${IDLE_SECONDS} s`, `${idle.cpuPercent.toFixed(2)} %`, 'of one core', '1'],
    [
      `flood of ${FLOOD_LINES.toLocaleString('en')} lines: ingest rate to disk, backend-supervisor`,
      `${Math.round(FLOOD_LINES / flood.seconds).toLocaleString('en')} lines/s`,
      `PM2: ${Math.round(FLOOD_LINES / pm2flood.seconds).toLocaleString('en')} lines/s; ours = ${(pm2flood.seconds / flood.seconds).toFixed(2)} × PM2's rate; lines on disk ${flood.onDisk.toLocaleString('en')} vs ${pm2flood.onDisk.toLocaleString('en')}`,
      '1',
    ],
    [
      'flood: peak RSS, supervisor vs PM2 daemon',
      `${(flood.peakRssKb / 1024).toFixed(1)} MiB`,
      `PM2 daemon: ${(pm2flood.peakRssKb / 1024).toFixed(1)} MiB (${(flood.peakRssKb / pm2flood.peakRssKb).toFixed(2)} ×)`,
      '1',
    ],
  ];
  const md = [
    '## Supervision: crash, hang, stop, idle, flood',
    '',
    `Written by \`npm run bench\` on ${new Date().toISOString()} (Node ${process.version}, ${process.platform}, ${RUNS} runs per figure; medians).`,
    'Fixture: test/fixtures/fault-backend.mjs (a small Node HTTP backend).',
    '',
    '| measure | median | compared | runs |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    'Target: crash → healthy within 1.1 × the bare floor.',
    '',
  ].join('\n');
  writeResultsSection('supervision', md);
  console.log(md);
  await probe.close();
}

// `--only <part>`: just that part's figures, the other sections kept.
const PARTS = ['stack', 'dashboard', 'flood', 'idle', 'logs'];
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
if (only !== undefined && !PARTS.includes(only)) throw new Error(`--only ${only}: the parts are ${PARTS.join(', ')}`);
if (only === undefined) await main();
if (only === undefined || only === 'stack') await defaultStackBench();
if (only === undefined || only === 'dashboard') await dashboardLoadBench();
if (only === undefined || only === 'flood') await floodBench();
if (only === undefined || only === 'idle') await idleBench();
if (only === undefined || only === 'logs') await logsViewBench();
// pm2's programmatic client keeps sockets to its (killed) daemon open: end explicitly so
// `npm run bench` goes on to the next benchmark.
process.exit(0);
