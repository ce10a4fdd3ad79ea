import { readFileSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';

/**
 * What Linux tells about a process in /proc: enough to recognise a backend across a
 * supervisor's death and to find the members of its process group. Every reader answers
 * null (or an empty list) where /proc is missing or unreadable: callers then refuse to act.
 */

/** Fields of /proc/<pid>/stat the supervisor uses. */
export interface ProcStat {
  pid: number;
  /** Field 3: R, S, D, Z (zombie), T, … */
  state: string;
  ppid: number;
  /** Field 5: the process group. */
  pgrp: number;
  /** Field 6: the session. */
  session: number;
  /** Field 22: start time in clock ticks since boot, as text (it can pass 2^53 in theory). */
  startTime: string;
}

/** /proc/<pid>/stat parsed, or null when the process is gone or /proc is absent. */
export function readProcStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces or ')': split after the last one.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3.
  const [state, ppid, pgrp, session] = [rest[0], Number(rest[1]), Number(rest[2]), Number(rest[3])];
  const startTime = rest[19];
  if (state === undefined || startTime === undefined || !Number.isInteger(pgrp)) return null;
  return { pid, state, ppid, pgrp, session, startTime };
}

/** True while `pid` exists and is not a zombie (a zombie holds no port and ignores signals). */
export function isLiveProcess(pid: number): boolean {
  const stat = readProcStat(pid);
  return stat !== null && stat.state !== 'Z';
}

/**
 * Live (non-zombie) processes whose process group is `pgid`, from a scan of /proc.
 * Empty where /proc is absent. Cost: one small read per process on the machine.
 */
export function groupMembers(pgid: number): ProcStat[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const members: ProcStat[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(Number(entry));
    if (stat && stat.pgrp === pgid && stat.state !== 'Z') members.push(stat);
  }
  return members;
}

/** Compares two start times in clock ticks (decimal text): negative, 0 or positive like a comparator. */
export function compareStartTimes(a: string, b: string): number {
  const [x, y] = [BigInt(a), BigInt(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The program the process runs (/proc/<pid>/exe, symlinks resolved), or null when unreadable. */
export function processExecutable(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
  } catch {
    return null;
  }
}

/** The process's arguments (/proc/<pid>/cmdline), or null when unreadable. */
export function processArgv(pid: number): string[] | null {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.replace(/\0$/, '').split('\0');
  } catch {
    return null;
  }
}

/**
 * One variable of the environment the process was started with (/proc/<pid>/environ).
 * `undefined`: the environment is unreadable (another user's process, no /proc);
 * null: readable, and the variable is not set.
 */
export function processEnvVar(pid: number, name: string): string | null | undefined {
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return undefined;
  }
  const prefix = `${name}=`;
  const entry = raw.split('\0').find((e) => e.startsWith(prefix));
  return entry === undefined ? null : entry.slice(prefix.length);
}

/** `path` with symlinks resolved, or `path` itself when it cannot be resolved (gone since). */
function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * Whether `pid` runs `executable` (an absolute path): its /proc/<pid>/exe is that file, or
 * its arguments name it (a `#!` script runs as its interpreter with the script's path as an
 * argument). False when neither is readable: never guess.
 */
export function runsExecutable(pid: number, executable: string): boolean {
  const wanted = new Set([executable, realOrSelf(executable)]);
  const exe = processExecutable(pid);
  if (exe !== null && wanted.has(exe)) return true;
  const argv = processArgv(pid);
  return argv !== null && argv.some((a) => wanted.has(a) || (a.startsWith('/') && wanted.has(realOrSelf(a))));
}
