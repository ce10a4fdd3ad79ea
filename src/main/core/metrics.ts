import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { STATE_CODES } from '../../shared/states';
import type { LogStore } from './log-store';
import { readProcessStats } from './process-stats';
import type { Supervisor } from './supervisor';

/**
 * The Prometheus registry of one supervisor, served at `/metrics` in the text exposition
 * format. Metric names and the `backend_status` codes are the seed's (001):
 * `backend_status` (0 stopped, 1 running, 2 unhealthy, 3 crashed, 4 starting, 5 stopping,
 * 6 backoff), `backend_uptime_seconds`, `backend_restart_count`,
 * `backend_health_check_success_rate` (0..1 over the last 100 probes); plus a probe
 * latency histogram (seconds), restarts by cause, exits, dropped log lines, the backend's
 * RSS and CPU, and the supervisor's own process metrics (`supervisor_*`).
 */
export function createMetrics(supervisor: Supervisor, logs: LogStore): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'supervisor_' });

  new Gauge({
    name: 'backend_status',
    help: 'Backend state: 0 stopped, 1 running, 2 unhealthy, 3 crashed, 4 starting, 5 stopping, 6 backoff',
    registers: [registry],
    collect() {
      this.set(STATE_CODES[supervisor.currentState]);
    },
  });
  new Gauge({
    name: 'backend_uptime_seconds',
    help: 'Seconds since the current backend process started (0 when none runs)',
    registers: [registry],
    collect() {
      this.set(supervisor.status().uptime_secs);
    },
  });
  new Gauge({
    name: 'backend_restart_count',
    help: 'Restarts since the supervisor started, by a person or by the restart policy',
    registers: [registry],
    collect() {
      this.set(supervisor.status().restart_count);
    },
  });
  new Gauge({
    name: 'backend_health_check_success_rate',
    help: 'Fraction of successful health probes among the last 100',
    registers: [registry],
    collect() {
      this.set(supervisor.healthSuccessRate);
    },
  });
  const probeDuration = new Histogram({
    name: 'backend_health_check_duration_seconds',
    help: 'Health probe latency in seconds (answered probes only)',
    labelNames: ['result'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const exits = new Counter({
    name: 'backend_exits_total',
    help: 'Backend process exits, by whether the supervisor asked for them',
    labelNames: ['expected'] as const,
    registers: [registry],
  });
  const restarts = new Counter({
    name: 'backend_restarts_total',
    help: 'Restarts by cause: manual, or the failure that made the policy restart (crash, hang, failed-start)',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  supervisor.on('restart', ({ reason }) => restarts.inc({ reason }));
  new Gauge({
    name: 'backend_log_lines_dropped_total',
    help: 'Backend log lines the disk refused (full disk, I/O error); they stay in memory but not on disk',
    registers: [registry],
    collect() {
      this.set(logs.droppedLines);
    },
  });
  new Gauge({
    name: 'backend_process_resident_memory_bytes',
    help: "The backend process's resident memory, bytes (Linux /proc; 0 when none runs)",
    registers: [registry],
    collect() {
      const pid = supervisor.status().pid;
      this.set(pid ? (readProcessStats(pid)?.rssBytes ?? 0) : 0);
    },
  });
  new Gauge({
    name: 'backend_process_cpu_seconds_total',
    help: 'CPU time of the current backend process, user + system, seconds (Linux /proc)',
    registers: [registry],
    collect() {
      const pid = supervisor.status().pid;
      this.set(pid ? (readProcessStats(pid)?.cpuSeconds ?? 0) : 0);
    },
  });
  supervisor.on('probe', (probe) => {
    if (probe.latency_ms !== null) probeDuration.observe({ result: probe.ok ? 'ok' : 'fail' }, probe.latency_ms / 1000);
  });
  supervisor.on('exit', (exit) => exits.inc({ expected: String(exit.expected) }));
  return registry;
}
