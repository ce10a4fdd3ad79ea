import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

/**
 * What identifies a backend process across a supervisor's death: pid and process group,
 * its start time in clock ticks since boot (/proc/<pid>/stat field 22, Linux; null
 * elsewhere), the executable, and the supervisor instance that spawned it.
 */
export const PidRecordSchema = z.object({
  pid: z.number().int().positive(),
  pgid: z.number().int().positive(),
  start_time: z.string().nullable(),
  executable: z.string(),
  instance_id: z.string(),
  supervisor_pid: z.number().int(),
  written_at: z.string(),
});
export type PidRecord = z.infer<typeof PidRecordSchema>;

/** Start time of `pid` in clock ticks since boot (/proc/<pid>/stat field 22), or null. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: split after it.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? null; // field 22 overall = index 19 after "pid (comm) "
  } catch {
    return null;
  }
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
      onCorrupt?.(`pid file ${this.path} does not match its schema`);
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

  remove(): void {
    rmSync(this.path, { force: true });
  }
}

/**
 * Whether `record` still describes a live process: the pid exists and, where the OS tells
 * start times (Linux), it started at the recorded time. A reused pid (another process now)
 * does not match, so it is never killed.
 */
export function recordMatchesLiveProcess(record: PidRecord): boolean {
  const now = processStartTime(record.pid);
  if (now === null) return false; // gone, or no /proc: never guess
  return record.start_time !== null && now === record.start_time;
}
