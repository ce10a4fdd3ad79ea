import { readdirSync, readFileSync } from 'node:fs';

/** What tests read of /proc/<pid>/stat: state (field 3), ppid (4), pgrp (5), start time (22). */
export interface ProcStat {
  state: string;
  ppid: number;
  pgrp: number;
  /** Clock ticks since boot. */
  start: string;
}

/** /proc/<pid>/stat of `pid` (Linux), or null when it is gone. */
export function procStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: split after it.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0] ?? '?', ppid: Number(rest[1]), pgrp: Number(rest[2]), start: rest[19] ?? '' };
  } catch {
    return null;
  }
}

/** Alive and not a zombie (a killed process reparented to init may linger as one briefly). */
export function aliveProcess(pid: number): boolean {
  const s = procStat(pid);
  return s !== null && s.state !== 'Z';
}

/** Every live (non-zombie) process for which `match` holds. */
export function processesWhere(match: (pid: number, s: ProcStat) => boolean): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => {
      const s = procStat(pid);
      return s !== null && s.state !== 'Z' && match(pid, s);
    });
}

/** The command line of `pid`, arguments joined by spaces ('' when gone). */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** Uid of a live process, from /proc/<pid>/status (Linux). */
export function uidOf(pid: number): number {
  return Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}
