import {
  closeSync,
  constants,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { ChildHandle } from './launcher';
import { processExecutable, readProcStat, runsExecutable } from './process-identity';

/**
 * The smallest pid or process group the supervisor may ever signal: kill(-1) means every
 * process the user may signal, kill(0) the supervisor's own group; 1 is init.
 */
export const MIN_SIGNALLABLE_PID = 2;

/**
 * What identifies a backend process across a supervisor's death: pid and process group
 * (the same number: the backend leads its own group), its start time in clock ticks since
 * boot (/proc/<pid>/stat field 22, Linux; null elsewhere), the executable as resolved
 * (absolute path; once healthy, the program /proc says it runs), and the supervisor that
 * spawned it: its instance id (also in the backend's environment as SUPERVISOR_INSTANCE_ID),
 * pid and start time.
 */
export const PidRecordSchema = z.object({
  pid: z.number().int().min(MIN_SIGNALLABLE_PID),
  pgid: z.number().int().min(MIN_SIGNALLABLE_PID),
  start_time: z.string().regex(/^\d+$/).nullable(),
  executable: z.string(),
  instance_id: z.string(),
  supervisor_pid: z.number().int(),
  /** Absent in records written before it existed. */
  supervisor_start_time: z.string().nullable().optional(),
  written_at: z.string(),
});
export type PidRecord = z.infer<typeof PidRecordSchema>;

/** Start time of `pid` in clock ticks since boot (/proc/<pid>/stat field 22), or null. */
export function processStartTime(pid: number): string | null {
  return readProcStat(pid)?.startTime ?? null;
}

/**
 * The record for a freshly spawned (or, `running`, a healthy) backend. Its executable is
 * the file resolved before the spawn; once running, if the process no longer runs that
 * file (a wrapper that `exec`ed its server), the program /proc says it runs now, so the
 * next start still recognises it.
 */
export function pidRecordFor(
  handle: ChildHandle,
  command: string,
  instanceId: string,
  running: boolean,
  now: Date,
): PidRecord {
  const file = handle.file ?? command;
  const live = running && !runsExecutable(handle.pid, file) ? processExecutable(handle.pid) : null;
  return {
    pid: handle.pid,
    pgid: handle.pid,
    start_time: processStartTime(handle.pid),
    executable: live ?? file,
    instance_id: instanceId,
    supervisor_pid: process.pid,
    supervisor_start_time: processStartTime(process.pid),
    written_at: now.toISOString(),
  };
}

/**
 * The most a pid file may hold, bytes: a record is about 300 bytes, and this leaves room for
 * an executable path of PATH_MAX (4096) characters. A larger file is not one the supervisor
 * wrote, and reading it whole (a 1 GB file) would take that much memory.
 */
export const PID_FILE_MAX_BYTES = 8192;

/** The text of a file the supervisor itself could have written, or why not (never blocks). */
function readOwnRegularFile(path: string): { text: string } | { why: string } | null {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO opens at once instead of waiting for a writer (and is refused below);
    // O_NOFOLLOW: a symlink planted in the data folder is not followed.
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    return { why: code === 'ELOOP' ? 'is a symbolic link' : `cannot be read (${code ?? String(err)})` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { why: 'is not a regular file' };
    const euid = process.geteuid?.();
    if (euid !== undefined && st.uid !== euid)
      return { why: `is owned by uid ${st.uid}, not by this supervisor's ${euid}` };
    if (st.size > PID_FILE_MAX_BYTES)
      return { why: `holds ${st.size} bytes, more than a record can (${PID_FILE_MAX_BYTES})` };
    const buf = Buffer.alloc(PID_FILE_MAX_BYTES + 1);
    const n = readSync(fd, buf, 0, buf.length, 0);
    if (n > PID_FILE_MAX_BYTES) return { why: `holds more than ${PID_FILE_MAX_BYTES} bytes` };
    return { text: buf.toString('utf8', 0, n) };
  } catch (err) {
    return { why: `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads, writes and removes the pid file; never throws for a missing or corrupt file, and
 * never blocks on one that is not a regular file (a FIFO) or follows a symlink.
 */
export class PidFile {
  constructor(readonly path: string) {}

  /**
   * The record, or null when absent or not to be trusted: not JSON, not the schema, not a
   * regular file, a symlink, not owned by this user, over PID_FILE_MAX_BYTES (each reported
   * through `onCorrupt`).
   */
  read(onCorrupt?: (why: string) => void): PidRecord | null {
    const file = readOwnRegularFile(this.path);
    if (file === null) return null;
    if ('why' in file) {
      onCorrupt?.(`pid file ${this.path} ${file.why}`);
      return null;
    }
    const { text } = file;
    try {
      const parsed = PidRecordSchema.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
      const issue = parsed.error.issues[0];
      onCorrupt?.(
        `pid file ${this.path} does not match its schema (${issue?.path.join('.') || 'record'}: ${issue?.message ?? 'invalid'})`,
      );
    } catch {
      onCorrupt?.(`pid file ${this.path} is not JSON`);
    }
    return null;
  }

  /**
   * Writes the record (0600) to a new file renamed over the old one: whatever was at the
   * path (a symlink, a FIFO, a torn record) is replaced, never written through.
   */
  write(record: PidRecord): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const temp = `${this.path}.${process.pid}.tmp`;
    rmSync(temp, { force: true });
    // 'wx' (O_CREAT | O_EXCL): fails instead of following a symlink planted at the temp path.
    writeFileSync(temp, JSON.stringify(record) + '\n', { mode: 0o600, flag: 'wx' });
    renameSync(temp, this.path);
  }

  /** Deletes the file; a missing file is fine. */
  remove(): void {
    rmSync(this.path, { force: true });
  }
}
