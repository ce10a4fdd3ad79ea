/**
 * The pid file and the identity check against hostile files and processes: a FIFO, a
 * symlink, a 1 GB file, a file of another user at the pid file's path; records naming the
 * reader itself, and a process whose environment the reader cannot read. Reads that could
 * block (a FIFO) run in a child process with a deadline, so a hang fails the test instead
 * of wedging the test worker. Real files, real processes, /proc.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PidFile, processStartTime, type PidRecord } from '../../src/main/core/pid-file';
import { judgeRecord } from '../../src/main/core/orphan-reaper';
import { pollUntil, tempDir } from '../helpers/supervise';

const SRC = join(import.meta.dirname, '..', '..', 'src', 'main', 'core');
const INSTANCE = 'instance-under-attack';
/** Generous: a read of a small file takes about a millisecond; a hang takes forever. */
const CHILD_DEADLINE_MS = 8_000;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

/**
 * Runs `body` (TypeScript, with `PidFile` and `judgeRecord` in scope) in a fresh node
 * process, optionally as `nobody`, and returns what it printed. A child that has not ended
 * after CHILD_DEADLINE_MS is killed: `timedOut`.
 */
function runChild(
  body: string,
  options: { asNobody?: boolean; env?: Record<string, string> } = {},
): { out: string; timedOut: boolean } {
  const dir = tempDir();
  chmodSync(dir, 0o755);
  const file = join(dir, 'child.ts');
  writeFileSync(
    file,
    `import { PidFile } from ${JSON.stringify(join(SRC, 'pid-file.ts'))};\n` +
      `import { judgeRecord } from ${JSON.stringify(join(SRC, 'orphan-reaper.ts'))};\n` +
      `void PidFile; void judgeRecord;\n${body}\n`,
  );
  chmodSync(file, 0o644);
  const node = [process.execPath, '--import', 'tsx', file];
  const argv = options.asNobody
    ? ['/usr/bin/setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--', ...node]
    : node;
  const result = spawnSync(argv[0] as string, argv.slice(1), {
    cwd: join(SRC, '..', '..', '..'),
    env: { ...process.env, HOME: dir, TSX_TSCONFIG_PATH: '', ...options.env },
    timeout: CHILD_DEADLINE_MS,
    killSignal: 'SIGKILL',
    encoding: 'utf8',
  });
  return { out: `${result.stdout}${result.stderr}`, timedOut: result.error !== undefined || result.signal !== null };
}

function record(pid: number, fields: Partial<PidRecord> = {}): PidRecord {
  return {
    pid,
    pgid: pid,
    start_time: processStartTime(pid),
    executable: process.execPath,
    instance_id: INSTANCE,
    supervisor_pid: 999_999,
    supervisor_start_time: '1',
    written_at: new Date().toISOString(),
    ...fields,
  };
}

describe('a pid file that is not one the supervisor wrote', () => {
  it('a FIFO is refused at once, and a record written at its path replaces it (neither blocks)', () => {
    const path = join(tempDir(), 'backend.pid');
    execFileSync('mkfifo', [path]);
    const { out, timedOut } = runChild(
      `const file = new PidFile(${JSON.stringify(path)});
       const why: string[] = [];
       console.log('read', JSON.stringify(file.read((w) => why.push(w))), why.join('|'));
       file.write(${JSON.stringify(record(process.pid))});
       console.log('wrote');`,
    );
    expect(timedOut, out).toBe(false);
    expect(out).toMatch(/read null .*is not a regular file/);
    expect(out).toContain('wrote');
    expect(lstatSync(path).isFile()).toBe(true);
    expect((JSON.parse(readFileSync(path, 'utf8')) as PidRecord).pid).toBe(process.pid);
  });

  it('a symlink is not followed: not read, and the write replaces the link, not its target', () => {
    const dir = tempDir();
    const target = join(dir, 'victim');
    writeFileSync(target, JSON.stringify(record(process.pid)) + '\n');
    const path = join(dir, 'backend.pid');
    symlinkSync(target, path);
    const file = new PidFile(path);
    const why: string[] = [];
    expect(file.read((w) => why.push(w))).toBeNull();
    expect(why.join()).toMatch(/is a symbolic link/);
    const before = readFileSync(target, 'utf8');
    file.write(record(process.pid, { instance_id: 'new' }));
    expect(readFileSync(target, 'utf8')).toBe(before);
    expect(lstatSync(path).isSymbolicLink()).toBe(false);
    expect(file.read()?.instance_id).toBe('new');
  });

  it('a 1 GB file is refused by its size, without reading it', () => {
    const path = join(tempDir(), 'backend.pid');
    writeFileSync(path, '');
    truncateSync(path, 1024 ** 3); // sparse: no disk used
    const { out, timedOut } = runChild(
      `const why: string[] = [];
       const r = new PidFile(${JSON.stringify(path)}).read((w) => why.push(w));
       console.log('read', JSON.stringify(r), why.join('|'), 'maxrss_kb', process.resourceUsage().maxRSS);`,
    );
    expect(timedOut, out).toBe(false);
    expect(out).toMatch(/read null .*holds 1073741824 bytes, more than a record can \(8192\)/);
    const maxRssKb = Number(/maxrss_kb (\d+)/.exec(out)?.[1]);
    // A node process with tsx is about 100 MB; reading the file would add 1 GB.
    expect(maxRssKb).toBeLessThan(400 * 1024);
  });

  it('a file at the bound is read; one byte over is refused', () => {
    const path = join(tempDir(), 'backend.pid');
    const base = JSON.stringify(record(process.pid));
    const at = base.slice(0, -1) + ',"pad":"' + 'x'.repeat(8192 - base.length - 9) + '"}';
    expect(Buffer.byteLength(at)).toBe(8192);
    writeFileSync(path, at);
    expect(new PidFile(path).read()?.pid).toBe(process.pid);
    writeFileSync(path, at + ' ');
    const why: string[] = [];
    expect(new PidFile(path).read((w) => why.push(w))).toBeNull();
    expect(why.join()).toMatch(/holds 8193 bytes/);
  });

  it('a file owned by another user is refused (the supervisor did not write it)', () => {
    const path = join(tempDir(), 'backend.pid');
    writeFileSync(path, JSON.stringify(record(process.pid)) + '\n');
    chownSync(path, 65534, 65534);
    const why: string[] = [];
    expect(new PidFile(path).read((w) => why.push(w))).toBeNull();
    expect(why.join()).toMatch(/is owned by uid 65534, not by this supervisor's 0/);
  });
});

describe('records naming processes that are not a backend', () => {
  it('a group leader reading its own record refuses it, even when it carries the recorded instance id', () => {
    // A supervisor started by another supervisor has SUPERVISOR_INSTANCE_ID in its environment.
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import(${JSON.stringify(join(SRC, 'orphan-reaper.ts'))}).then(({ judgeRecord }) => {
           const fs = require('node:fs');
           const stat = fs.readFileSync('/proc/self/stat', 'utf8');
           const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
           console.log('verdict', JSON.stringify(judgeRecord({ pid: process.pid, pgid: process.pid, start_time: start,
             executable: process.execPath, instance_id: ${JSON.stringify(INSTANCE)}, supervisor_pid: 999999,
             written_at: new Date().toISOString() })));
         });`,
      ],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SUPERVISOR_INSTANCE_ID: INSTANCE } },
    );
    children.push(child);
    let out = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    return pollUntil(() => /verdict|Error/.test(out), CHILD_DEADLINE_MS, 20, 'the verdict').then(() => {
      expect(out).toMatch(/verdict \{"kind":"refused","why":"pid \d+ is this supervisor, its parent or its group"\}/);
    });
  });

  it("a process whose environment the reader cannot read (another user's) is refused, not reaped", async () => {
    // A root-owned group leader that carries the recorded instance id; the judge runs as nobody.
    const leader = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, SUPERVISOR_INSTANCE_ID: INSTANCE },
    });
    children.push(leader);
    const pid = leader.pid as number;
    await pollUntil(() => processStartTime(pid) !== null, 5_000, 10, 'the leader to start');
    const { out, timedOut } = runChild(
      `console.log('verdict', JSON.stringify(judgeRecord(${JSON.stringify(record(pid))})));`,
      { asNobody: true },
    );
    expect(timedOut, out).toBe(false);
    expect(out).toMatch(/verdict \{"kind":"refused","why":"the environment of pid \d+ cannot be read/);
    // As root (able to read it), the same record is the leader: the check is not just failing.
    expect(judgeRecord(record(pid)).kind).toBe('leader');
  });
});
