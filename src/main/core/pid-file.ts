import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
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

/** Reads, writes and removes the pid file; never throws for a missing or corrupt file. */
export class PidFile {
  constructor(readonly path: string) {}

  /** The record, or null when absent or unreadable (a corrupt file is reported through `onCorrupt`). */
  read(onCorrupt?: (why: string) => void): PidRecord | null {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return null;
    }
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

  /** Writes the record (0600). */
  write(record: PidRecord): void {
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(this.path, JSON.stringify(record) + '\n', { mode: 0o600 });
  }

  /** Deletes the file; a missing file is fine. */
  remove(): void {
    rmSync(this.path, { force: true });
  }
}
