import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc times (USER_HZ; 100 on every mainstream Linux). */
const USER_HZ = 100;

/** Resident memory (bytes) and CPU time (user + system, seconds) of a process. */
export interface ProcessStats {
  rssBytes: number;
  cpuSeconds: number;
}

/** Reads a process's RSS and CPU time from /proc (Linux); null elsewhere or when it is gone. */
export function readProcessStats(pid: number): ProcessStats | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { rssBytes: rssKb * 1024, cpuSeconds: ticks / USER_HZ };
  } catch {
    return null;
  }
}
