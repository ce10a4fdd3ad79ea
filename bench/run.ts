/**
 * `npm run bench`: supervision speed and footprint, written to bench/results.md.
 *
 * Each figure is a median over repeated runs on this machine, beside its floor or PM2 on
 * the same fixture (test/fixtures/fault-backend.mjs) in the same run:
 *   - crash (kill -9) → first healthy probe of the new process: ours, PM2's, and the
 *     fixture's bare spawn → healthy time (the floor no supervisor can beat);
 *   - hang (SIGSTOP) → `unhealthy` detected;
 *   - stop of a backend that ignores SIGTERM (SIGKILL at the stop timeout);
 *   - the headless supervisor's idle RSS and CPU over 30 s.
 * Runs: BENCH_RUNS (default 15). Ports are free loopback ports; everything it starts, it stops.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpHealthProbe } from '../src/main/core/health-probe';
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

/** PM2 on the same fixture: kill -9 its process; time until the fixture answers again. */
async function pm2CrashToHealthy(): Promise<{ samples: number[]; daemonRssKb: number | null }> {
  process.env.PM2_HOME = tempDir('bsup-pm2-');
  const pm2 = (await import('pm2')).default;
  const call = <T>(fn: (cb: (err: unknown, v: T) => void) => void): Promise<T> =>
    new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v))));
  const port = await freePort();
  await call((cb) => pm2.connect(cb as never));
  const samples: number[] = [];
  let daemonRssKb: number | null = null;
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
    const daemonPid = Number(readFileSync(join(process.env.PM2_HOME, 'pm2.pid'), 'utf8'));
    daemonRssKb = rssKb(daemonPid);
  } finally {
    await call((cb) => pm2.delete('bench', cb as never)).catch(() => undefined);
    await call((cb) => pm2.killDaemon(cb as never)).catch(() => undefined);
    pm2.disconnect();
  }
  return { samples, daemonRssKb };
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

async function main(): Promise<void> {
  console.log(`bench: ${RUNS} runs each`);
  const bare = await bareSpawnToHealthy();
  console.log(`bare spawn → healthy: ${fmt(median(bare))}`);
  const ours = await oursCrashToHealthy();
  console.log(`ours crash → healthy: ${fmt(median(ours))}`);
  const pm2 = await pm2CrashToHealthy();
  console.log(`pm2 crash → healthy: ${fmt(median(pm2.samples))}`);
  const hang = await hangToUnhealthy();
  console.log(`hang → unhealthy: ${fmt(median(hang))}`);
  const stop = await stopIgnoringSigterm();
  console.log(`stop (SIGTERM ignored): ${fmt(median(stop))}`);
  const idle = await idleFootprint();
  console.log(`idle: ${idle.rssMb.toFixed(1)} MiB, ${idle.cpuPercent.toFixed(2)} % CPU`);

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
  ];
  const md = [
    '# Benchmark results',
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
  mkdirSync(join(import.meta.dirname), { recursive: true });
  writeFileSync(join(import.meta.dirname, 'results.md'), md);
  console.log(md);
  await probe.close();
}

await main();
