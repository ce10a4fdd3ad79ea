/**
 * Issue 10, item 9: the backend's CPU time as a counter must never go down, while each
 * backend process's own CPU time starts again at 0 when a restart replaces it.
 */
import { describe, expect, it } from 'vitest';
import { BackendCpuTotal } from '../../src/main/core/backend-cpu-total';
import type { ProcessStats } from '../../src/main/core/process-stats';

describe('BackendCpuTotal', () => {
  /** A /proc stand-in: the CPU seconds of each live pid. */
  function fakeProc(): { cpu: Map<number, number>; read: (pid: number) => ProcessStats | null } {
    const cpu = new Map<number, number>();
    return {
      cpu,
      read: (pid) => (cpu.has(pid) ? { rssBytes: 1, cpuSeconds: cpu.get(pid) ?? 0 } : null),
    };
  }

  it('sums the CPU of every process, so a restart does not take the total down', () => {
    const proc = fakeProc();
    const total = new BackendCpuTotal(proc.read);
    proc.cpu.set(100, 1.5);
    expect(total.sample(100)).toBe(1.5);
    proc.cpu.set(100, 4);
    expect(total.sample(100)).toBe(4);
    proc.cpu.delete(100); // exited: its last sample stays counted
    expect(total.sample(100)).toBe(4);
    expect(total.sample(null)).toBe(4);
    proc.cpu.set(200, 0.25); // the restarted process starts again at 0
    expect(total.sample(200)).toBe(4.25);
    proc.cpu.set(200, 1);
    expect(total.sample(200)).toBe(5);
  });

  it('takes less CPU under the same pid for a new process that reuses the pid', () => {
    const proc = fakeProc();
    const total = new BackendCpuTotal(proc.read);
    proc.cpu.set(100, 3);
    total.sample(100);
    proc.cpu.set(100, 0.5);
    expect(total.sample(100)).toBe(3.5);
  });

  it('never decreases, whatever the sequence of processes and samples', () => {
    const proc = fakeProc();
    const total = new BackendCpuTotal(proc.read);
    let seed = 42;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let previous = 0;
    for (let i = 0; i < 2_000; i++) {
      const pid = 100 + Math.floor(random() * 4);
      const r = random();
      if (r < 0.2) proc.cpu.delete(pid);
      else if (r < 0.3)
        proc.cpu.set(pid, 0); // a new process under that pid
      else proc.cpu.set(pid, (proc.cpu.get(pid) ?? 0) + random());
      const now = total.sample(random() < 0.1 ? null : pid);
      expect(now).toBeGreaterThanOrEqual(previous);
      previous = now;
    }
    expect(previous).toBeGreaterThan(0);
  });
});
