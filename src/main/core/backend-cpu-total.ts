import { readProcessStats, type ProcessStats } from './process-stats';

/**
 * CPU time (user + system, seconds) summed over every backend process this supervisor has
 * run: the value of a Prometheus counter, which must never go down, while each process's
 * own CPU time starts again at 0 when a restart replaces it. A process counts up to its
 * last sample; sample often (at each scrape, each health probe, and as a stop begins),
 * since the CPU a process spends after its last sample is not seen: its /proc entry is
 * gone by the time its exit is known.
 */
export class BackendCpuTotal {
  /** Seconds of the processes sampled before the current one. */
  private finished = 0;
  /** The current process and its CPU time at its latest sample. */
  private current: { pid: number; seconds: number } | null = null;

  /** @param read reads a process's stats (injectable for tests); null when it is gone. */
  constructor(private readonly read: (pid: number) => ProcessStats | null = readProcessStats) {}

  /**
   * Samples the backend process `pid` (null: none runs) and returns the total, seconds.
   * Never less than the previous result.
   */
  sample(pid: number | null): number {
    if (this.current && this.current.pid !== pid) this.retireCurrent();
    const stats = pid === null ? null : this.read(pid);
    if (pid !== null && stats) {
      // Less CPU than before under the same pid: a new process that reuses the pid.
      if (this.current && stats.cpuSeconds < this.current.seconds) this.retireCurrent();
      this.current = { pid, seconds: stats.cpuSeconds };
    }
    return this.total;
  }

  /** The total as of the latest sample, seconds. */
  get total(): number {
    return this.finished + (this.current?.seconds ?? 0);
  }

  private retireCurrent(): void {
    this.finished += this.current?.seconds ?? 0;
    this.current = null;
  }
}
