import type { MetricsSample } from '../../shared/status';
import { readProcessStats } from './process-stats';
import { RingBuffer } from './ring-buffer';
import type { Supervisor } from './supervisor';

/** Sampling period, ms, and the window kept (one hour). */
export const SAMPLE_EVERY_MS = 10_000;
export const HISTORY_SAMPLES = 360;

/**
 * The last hour of the dashboard's small charts: every 10 s, the latest health probe's
 * latency (ms) and result, and the backend process's RSS (bytes) and CPU (% of one core
 * since the previous sample), in a ring buffer of 360 samples.
 */
export class MetricsHistory {
  private readonly samples = new RingBuffer<MetricsSample>(HISTORY_SAMPLES);
  private timer: NodeJS.Timeout | null = null;
  private lastCpu: { pid: number; seconds: number; atMs: number } | null = null;

  constructor(private readonly supervisor: Supervisor) {}

  /** Starts sampling (the timer does not keep the process alive). */
  start(): void {
    if (this.timer) return;
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Oldest first. */
  list(): MetricsSample[] {
    return this.samples.toArray();
  }

  /** Takes one sample now. */
  sample(): MetricsSample {
    const status = this.supervisor.status();
    const stats = status.pid ? readProcessStats(status.pid) : null;
    const nowMs = performance.now();
    let cpuPercent: number | null = null;
    if (status.pid && stats) {
      if (this.lastCpu && this.lastCpu.pid === status.pid && nowMs > this.lastCpu.atMs) {
        cpuPercent = ((stats.cpuSeconds - this.lastCpu.seconds) / ((nowMs - this.lastCpu.atMs) / 1000)) * 100;
      }
      this.lastCpu = { pid: status.pid, seconds: stats.cpuSeconds, atMs: nowMs };
    } else {
      this.lastCpu = null;
    }
    const sample: MetricsSample = {
      at: new Date().toISOString(),
      state: status.status,
      health_latency_ms: status.last_health?.latency_ms ?? null,
      healthy: status.last_health ? status.last_health.ok : null,
      rss_bytes: stats?.rssBytes ?? null,
      cpu_percent: cpuPercent === null ? null : Math.max(0, Math.round(cpuPercent * 10) / 10),
    };
    this.samples.push(sample);
    return sample;
  }
}
