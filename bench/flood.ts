/**
 * The log flood's bench (issue 13, "Flood"): one backend writes FLOOD_LINES lines of 100
 * bytes (newline included) to its stdout as fast as the pipe takes them
 * (bench/flood-writer.mjs), under backend-supervisor (`serve`), PM2 and supervisord, each with
 * its default log settings, in interleaved repetitions (the order rotated each time). For each:
 *   - ingest rate: lines ÷ (the writer's first write → the last line in the tool's log file,
 *     seen by following the file as `tail -F` does, every 10 ms);
 *   - the daemon's RSS just before the flood (idle) and its peak during it (VmRSS every 10 ms),
 *     and its CPU time during the flood;
 *   - lines kept: the distinct flood lines in the tool's log files (rotated and gzip-compressed
 *     ones too) once it is done, with its default retention;
 *   - bytes on disk per line: the size of those files ÷ the lines in them, and the same uncompressed.
 * Runs: BENCH_FLOOD_RUNS (default 5); lines: BENCH_FLOOD_LINES (default 1,000,000).
 * BENCH_FLOOD_ENTRY=<a built headless.js> runs ours from that build (default out/node/headless.js);
 * BENCH_FLOOD_BEFORE=<a built headless.js> adds that build as one more tool ("before"), so a
 * change is measured beside what it replaces in the same run. BENCH_FLOOD_CPU_PROF=<folder>
 * runs ours with `--cpu-prof` into that folder; BENCH_FLOOD_TOOLS=<name,…> runs only those (either
 * leaves results.md as it was). Written to the `flood` section of
 * bench/results.md (`npx tsx bench/run.ts --only flood`).
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { isRoot } from '../src/main/core/postgres/run-as';
import { writeResultsSection } from './results-file';
import { cleanEnv, exited, run, haveSupervisord, median, PM2_BIN, sleep } from './tools';
import { freePort } from '../test/helpers/supervise';

const RUNS = Number(process.env.BENCH_FLOOD_RUNS ?? 5);
const LINES = Number(process.env.BENCH_FLOOD_LINES ?? 1_000_000);
const LINE_BYTES = 100;
/** Between two looks at the log files and the daemon's RSS, ms. */
const POLL_MS = 10;
/** Longest a flood may take to reach the disk, ms. */
const FLOOD_DEADLINE_MS = 300_000;
/** The daemon's RSS before the flood: sampled over this long once the backend answers, ms. */
const IDLE_MS = 2_000;

const ROOT = join(import.meta.dirname, '..');
const WRITER = join(import.meta.dirname, 'flood-writer.mjs');
const ENTRY = process.env.BENCH_FLOOD_ENTRY ?? join(ROOT, 'out', 'node', 'headless.js');

/** A tool running the writer, started. */
interface Running {
  daemon(): number;
  /** The tool's log files of the writer's stdout that are written to (followed by name). */
  live: string[];
  /** Every log file of the writer's stdout, rotated ones included, once the tool is done. */
  files(): string[];
  stop(): Promise<void>;
}

interface Tool {
  name: string;
  does: string;
  start(dir: string, port: number): Promise<Running>;
}

interface RunResult {
  linesPerSec: number;
  idleRssKb: number;
  peakRssKb: number;
  cpuSec: number;
  kept: number;
  bytesPerLine: number;
  textBytesPerLine: number;
  files: number;
}

/** backend-supervisor `serve` from the built entry `entry`, its defaults but the ports and data folder. */
function ours(name: string, entry: string, label: string): Tool {
  return {
    name,
    does: `${label}: \`serve\` (the built ${entry.startsWith(ROOT) ? entry.slice(ROOT.length + 1) : entry}) with SUPERVISOR_DATA_DIR, GO_BACKEND_BINARY=node, BACKEND_ARGS=[the writer], GO_BACKEND_URL and CONTROL_PORT set, everything else its defaults (LOG_FILE_MAX_MB, LOG_FILE_COUNT, LOG_BUFFER_LINES); its console echo to /dev/null. Log file: \`<data>/logs/backend.log\` and its rotated files.`,
    async start(dir, port) {
      const prof = process.env.BENCH_FLOOD_CPU_PROF;
      if (prof) mkdirSync(prof, { recursive: true });
      const code = `const { main } = await import(${JSON.stringify(pathToFileURL(entry).href)}); process.exitCode = await main(['serve']);`;
      const child = spawn(
        process.execPath,
        [...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []), '--input-type=module', '-e', code],
        {
          env: {
            ...cleanEnv(),
            SUPERVISOR_DATA_DIR: dir,
            GO_BACKEND_BINARY: process.execPath,
            BACKEND_ARGS: JSON.stringify([WRITER]),
            GO_BACKEND_URL: `http://127.0.0.1:${port}`,
            CONTROL_PORT: String(await freePort()),
            PORT: String(port),
            FLOOD_LINES: String(LINES),
            FLOOD_LINE_BYTES: String(LINE_BYTES),
            MARK_FILE: join(dir, 'mark'),
          },
          stdio: 'ignore',
        },
      );
      const logs = join(dir, 'logs');
      return {
        daemon: () => child.pid as number,
        live: [join(logs, 'backend.log')],
        files: () =>
          readdirSync(logs)
            .filter((f) => /^backend\.log(\.\d+)?(\.gz)?$/.test(f))
            .map((f) => join(logs, f)),
        async stop() {
          child.kill('SIGTERM');
          await exited(child);
        },
      };
    },
  };
}

function pm2Version(): string {
  return (JSON.parse(readFileSync(join(dirname(PM2_BIN), '..', 'package.json'), 'utf8')) as { version: string })
    .version;
}

function pm2(): Tool {
  return {
    name: 'PM2',
    does: `PM2 ${pm2Version()} from its CLI: \`pm2 start <ecosystem>.json\` (a new PM2_HOME per run; \`pm2 kill\` to stop), the writer as a fork-mode app, its defaults: the out file \`$PM2_HOME/logs/flood-out.log\`, never rotated (PM2 rotates only with the pm2-logrotate module).`,
    async start(dir, port) {
      const home = join(dir, 'pm2');
      const file = join(dir, 'ecosystem.json');
      const app = {
        name: 'flood',
        script: WRITER,
        interpreter: process.execPath,
        env: {
          PORT: String(port),
          FLOOD_LINES: String(LINES),
          FLOOD_LINE_BYTES: String(LINE_BYTES),
          MARK_FILE: join(dir, 'mark'),
        },
        autorestart: false,
      };
      writeFileSync(file, JSON.stringify({ apps: [app] }));
      const env = { ...cleanEnv(), PM2_HOME: home };
      await run(process.execPath, [PM2_BIN, 'start', file], env);
      const out = join(home, 'logs', 'flood-out.log');
      return {
        daemon: () => Number(readFileSync(join(home, 'pm2.pid'), 'utf8')),
        live: [out],
        files: () => [out],
        stop: () => run(process.execPath, [PM2_BIN, 'kill'], env),
      };
    },
  };
}

function supervisordVersion(): string {
  return execFileSync('supervisord', ['--version'], { encoding: 'utf8' }).trim();
}

function supervisord(): Tool {
  return {
    name: 'supervisord',
    does: `supervisord ${supervisordVersion()} in the foreground (\`supervisord -n -c <conf>\`; SIGTERM to stop), the writer as one program with \`stdout_logfile=<data>/flood.out.log\` and its defaults otherwise: rotated at 50 MB, 10 backups, uncompressed.`,
    async start(dir, port) {
      const conf = join(dir, 'supervisord.conf');
      const out = join(dir, 'flood.out.log');
      const env = `PORT="${port}",FLOOD_LINES="${LINES}",FLOOD_LINE_BYTES="${LINE_BYTES}",MARK_FILE="${join(dir, 'mark')}"`;
      writeFileSync(
        conf,
        [
          '[supervisord]',
          `logfile=${join(dir, 'supervisord.log')}`,
          `pidfile=${join(dir, 'supervisord.pid')}`,
          `childlogdir=${dir}`,
          ...(isRoot() ? ['user=root'] : []),
          '',
          '[program:flood]',
          `command=${process.execPath} ${WRITER}`,
          `environment=${env}`,
          `stdout_logfile=${out}`,
          `stderr_logfile=${join(dir, 'flood.err.log')}`,
          'autorestart=false',
          '',
        ].join('\n'),
      );
      const child = spawn('supervisord', ['-n', '-c', conf], { env: cleanEnv(), stdio: 'ignore' });
      return {
        daemon: () => child.pid as number,
        live: [out],
        files: () =>
          readdirSync(dir)
            .filter((f) => /^flood\.out\.log(\.\d+)?$/.test(f))
            .map((f) => join(dir, f)),
        async stop() {
          child.kill('SIGTERM');
          await exited(child);
        },
      };
    },
  };
}

/**
 * Follows files by name as `tail -F` does: reads what was added since the last look, and when
 * the name points to a new file (rotated), reads the old one to its end first. Counts newlines.
 */
class Follower {
  private readonly open = new Map<string, { fd: number; ino: number; offset: number }>();
  private readonly buf = Buffer.allocUnsafe(1 << 20);
  lines = 0;

  constructor(private readonly paths: string[]) {}

  poll(): void {
    for (const path of this.paths) {
      let ino: number;
      try {
        ino = statSync(path).ino;
      } catch {
        continue;
      }
      const cur = this.open.get(path);
      if (cur && cur.ino !== ino) {
        this.drain(cur);
        closeSync(cur.fd);
        this.open.delete(path);
      }
      if (!this.open.has(path)) {
        try {
          const fd = openSync(path, 'r');
          this.open.set(path, { fd, ino: fstatSync(fd).ino, offset: 0 });
        } catch {
          continue;
        }
      }
      this.drain(this.open.get(path)!);
    }
  }

  private drain(f: { fd: number; offset: number }): void {
    for (;;) {
      const n = readSync(f.fd, this.buf, 0, this.buf.length, f.offset);
      if (n <= 0) return;
      f.offset += n;
      for (let i = this.buf.indexOf(10); i !== -1 && i < n; i = this.buf.indexOf(10, i + 1)) this.lines++;
    }
  }

  close(): void {
    for (const f of this.open.values()) closeSync(f.fd);
    this.open.clear();
  }
}

function procStatus(pid: number, field: string): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** utime + stime of a process, seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // USER_HZ
}

async function get(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await res.text();
    return res.ok;
  } catch {
    return false;
  }
}

/** The distinct flood lines of `files` (plain or gzip-compressed), their bytes on disk and as text. */
function keptLines(files: string[]): { kept: number; bytes: number; textBytes: number } {
  const seen = new Uint8Array(LINES);
  let kept = 0;
  let bytes = 0;
  let textBytes = 0;
  for (const file of files) {
    bytes += statSync(file).size;
    const raw = readFileSync(file);
    const plain = file.endsWith('.gz') ? gunzipSync(raw) : raw;
    textBytes += plain.length;
    const text = plain.toString('latin1');
    for (const m of text.matchAll(/flood (\d+) /g)) {
      const i = Number(m[1]);
      if (i < LINES && seen[i] === 0) {
        seen[i] = 1;
        kept++;
      }
    }
  }
  return { kept, bytes, textBytes };
}

/** Waits until the tool's files stop changing (rotation and compression done), ms. */
async function settle(files: () => string[]): Promise<void> {
  let last = '';
  for (let stable = 0; stable < 5;) {
    await sleep(200);
    const now = files()
      .map((f) => {
        try {
          return `${f}:${statSync(f).size}`;
        } catch {
          return f;
        }
      })
      .join();
    stable = now === last ? stable + 1 : 0;
    last = now;
  }
}

/** One flood under one tool, in a new folder removed after. */
async function repetition(tool: Tool): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bsup-bench-flood-'));
  const port = await freePort();
  const running = await tool.start(dir, port);
  const follower = new Follower(running.live);
  try {
    const deadline = performance.now() + 30_000;
    while (!(await get(`http://127.0.0.1:${port}/health`))) {
      if (performance.now() > deadline) throw new Error(`${tool.name}: the writer did not answer`);
      await sleep(50);
    }
    const pid = running.daemon();
    const idle: number[] = [];
    for (const until = performance.now() + IDLE_MS; performance.now() < until; await sleep(100)) {
      idle.push(procStatus(pid, 'VmRSS'));
    }
    const cpu0 = cpuSeconds(pid);
    let peak = 0;
    if (!(await get(`http://127.0.0.1:${port}/flood`))) throw new Error(`${tool.name}: the flood did not start`);
    const floodDeadline = performance.now() + FLOOD_DEADLINE_MS;
    while (follower.lines < LINES) {
      if (performance.now() > floodDeadline) {
        throw new Error(`${tool.name}: ${follower.lines} of ${LINES} lines on disk after ${FLOOD_DEADLINE_MS} ms`);
      }
      peak = Math.max(peak, procStatus(pid, 'VmRSS'));
      follower.poll();
      if (follower.lines < LINES) await sleep(POLL_MS);
    }
    const doneAt = Date.now();
    peak = Math.max(peak, procStatus(pid, 'VmRSS'));
    const cpu = cpuSeconds(pid) - cpu0;
    const start = Number(/start (\d+)/.exec(readFileSync(join(dir, 'mark'), 'utf8'))?.[1]);
    await settle(running.files);
    const { kept, bytes, textBytes } = keptLines(running.files());
    const files = running.files().length;
    return {
      linesPerSec: LINES / ((doneAt - start) / 1000),
      idleRssKb: median(idle),
      peakRssKb: peak,
      cpuSec: cpu,
      kept,
      bytesPerLine: bytes / kept,
      textBytesPerLine: textBytes / kept,
      files,
    };
  } finally {
    follower.close();
    await running.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const range = (xs: number[], f: (x: number) => string): string =>
  `${f(median(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`;
const kl = (x: number): string => (x / 1000).toFixed(0);
const mib = (k: number): string => (k / 1024).toFixed(1);
const int = (x: number): string => Math.round(x).toLocaleString('en');

function gitCommit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'src'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${sha} (src/ had uncommitted changes)` : sha;
  } catch {
    return 'unknown';
  }
}

/** Runs the flood bench and writes its section of bench/results.md. */
export async function floodBench(): Promise<void> {
  if (!existsSync(ENTRY)) throw new Error('build first: node scripts/build-node.mjs (npm run bench does)');
  const before = process.env.BENCH_FLOOD_BEFORE;
  const tools = [
    ours('backend-supervisor', ENTRY, 'backend-supervisor'),
    ...(before ? [ours('before', before, `backend-supervisor before this change`)] : []),
    pm2(),
    ...(haveSupervisord('flood') ? [supervisord()] : [(console.log('bench flood: no supervisord: left out'), null)]),
  ]
    .filter((t): t is Tool => t !== null)
    .filter((t) => !process.env.BENCH_FLOOD_TOOLS || process.env.BENCH_FLOOD_TOOLS.split(',').includes(t.name));
  const results = new Map<string, RunResult[]>(tools.map((t) => [t.name, []]));
  const loadBefore = loadavg();
  const startedAt = new Date();
  console.log(`bench flood: ${RUNS} runs of ${tools.map((t) => t.name).join(', ')}, ${int(LINES)} lines each`);
  for (let i = 0; i < RUNS; i++) {
    for (const tool of tools.map((_, k) => tools[(i + k) % tools.length] as Tool)) {
      const r = await repetition(tool);
      results.get(tool.name)!.push(r);
      console.log(
        `  run ${i + 1} ${tool.name}: ${kl(r.linesPerSec)} kl/s, RSS idle ${mib(r.idleRssKb)} → peak ${mib(r.peakRssKb)} MiB, CPU ${r.cpuSec.toFixed(2)} s, kept ${int(r.kept)}, ${r.bytesPerLine.toFixed(1)} B/line in ${r.files} files`,
      );
    }
  }
  const loadAfter = loadavg();
  const col = (f: (r: RunResult[]) => string): string => tools.map((t) => f(results.get(t.name)!)).join(' | ');
  const ours0 = results.get('backend-supervisor')!;
  const ratio = (f: (r: RunResult) => number): string =>
    tools
      .map((t) =>
        t.name === 'backend-supervisor'
          ? '1.00'
          : `${(median(ours0.map(f)) / median(results.get(t.name)!.map(f))).toFixed(2)} ×`,
      )
      .join(' | ');
  const md = [
    `## Log flood: ${int(LINES)} lines of ${LINE_BYTES} bytes`,
    '',
    `Written by \`npx tsx bench/run.ts --only flood\` on ${startedAt.toISOString()}, commit ${gitCommit()}.`,
    `Machine: ${cpus()[0]?.model.trim() ?? 'unknown'} × ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${release()}, Node ${process.version}.`,
    `Load average (1, 5, 15 min): ${loadBefore.map((x) => x.toFixed(2)).join(' ')} at the start, ${loadAfter.map((x) => x.toFixed(2)).join(' ')} at the end (a shared machine: compare tools within this run).`,
    '',
    `${RUNS} repetitions, interleaved (each runs every tool once, the order rotated). The writer (bench/flood-writer.mjs) answers /health, and on a request floods ${int(LINES)} lines of ${LINE_BYTES} bytes to its stdout pipe (64 lines per write, waiting for drain). Ingest rate: lines ÷ (first write → the last line in the tool's log file, found by following the file by name as \`tail -F\` does, every ${POLL_MS} ms). RSS: the daemon's VmRSS, idle = median over ${IDLE_MS / 1000} s before the flood, peak = max every ${POLL_MS} ms during it. CPU: the daemon's user + system time during the flood. Kept: distinct flood lines in the log files once the tool is done (rotated and compressed files read too). The lines' padding is one repeated letter, so they compress far better than real logs do (text logs shrink 3 to 12 times at gzip's fastest level): the uncompressed row is the format's own cost. Figures: median (min–max).`,
    '',
    `| figure | ${tools.map((t) => t.name).join(' | ')} |`,
    `| --- | ${tools.map(() => '---').join(' | ')} |`,
    `| ingest rate, k lines/s | ${col((r) =>
      range(
        r.map((x) => x.linesPerSec),
        kl,
      ),
    )} |`,
    `| ours ÷ that (rate) | ${ratio((r) => r.linesPerSec)} |`,
    `| daemon RSS idle, MiB | ${col((r) =>
      range(
        r.map((x) => x.idleRssKb),
        mib,
      ),
    )} |`,
    `| daemon RSS peak in the flood, MiB | ${col((r) =>
      range(
        r.map((x) => x.peakRssKb),
        mib,
      ),
    )} |`,
    `| peak − idle, MiB | ${col((r) =>
      range(
        r.map((x) => x.peakRssKb - x.idleRssKb),
        mib,
      ),
    )} |`,
    `| daemon CPU in the flood, s | ${col((r) =>
      range(
        r.map((x) => x.cpuSec),
        (x) => x.toFixed(2),
      ),
    )} |`,
    `| lines kept (of ${int(LINES)}) | ${col((r) =>
      range(
        r.map((x) => x.kept),
        int,
      ),
    )} |`,
    `| bytes on disk per line (rotated files compressed where the tool does) | ${col((r) =>
      range(
        r.map((x) => x.bytesPerLine),
        (x) => x.toFixed(1),
      ),
    )} |`,
    `| bytes per line as text (uncompressed) | ${col((r) =>
      range(
        r.map((x) => x.textBytesPerLine),
        (x) => x.toFixed(1),
      ),
    )} |`,
    `| log files | ${col((r) =>
      range(
        r.map((x) => x.files),
        int,
      ),
    )} |`,
    '',
    'What each does:',
    '',
    ...tools.map((t) => `- **${t.name}**: ${t.does}`),
    '',
  ].join('\n');
  // A profiled or partial run is a diagnosis, not the figures: results.md keeps the last full run.
  if (process.env.BENCH_FLOOD_CPU_PROF || process.env.BENCH_FLOOD_TOOLS)
    console.log('bench flood: a diagnostic run; results.md left as it was');
  else writeResultsSection('flood', md);
  console.log(md);
}
