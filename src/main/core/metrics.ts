import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { STATE_CODES } from '../../shared/states';
import { BackendCpuTotal } from './backend-cpu-total';
import type { LogStore } from './log-store';
import { readProcessStats } from './process-stats';
import type { Supervisor } from './supervisor';

/**
 * A counter that follows a running total which never decreases (`read`): each scrape adds
 * what the total grew by since the previous one, so the exposition says `counter` and the
 * value is the total.
 */
function totalCounter(registry: Registry, name: string, help: string, read: () => number): Counter {
  let counted = 0;
  return new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const total = read();
      if (total > counted) {
        this.inc(total - counted);
        counted = total;
      }
    },
  });
}

/**
 * The Prometheus registry of one supervisor, served at `/metrics` in the text exposition
 * format. Metric names and the `backend_status` codes are the seed's (001):
 * `backend_status` (0 stopped, 1 running, 2 unhealthy, 3 crashed, 4 starting, 5 stopping,
 * 6 backoff), `backend_uptime_seconds`, `backend_restart_count`,
 * `backend_health_check_success_rate` (0..1 over the last 100 probes); plus a probe
 * latency histogram (seconds), restarts by cause, exits, dropped log lines (a counter), the
 * backend's RSS and CPU (a counter summed over its processes, see BackendCpuTotal), and the
 * supervisor's own process metrics under prom-client's standard names (`process_*`,
 * `nodejs_*`, no prefix), which stock Node.js dashboards and alerts expect.
 */
export function createMetrics(supervisor: Supervisor, logs: LogStore): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

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
  totalCounter(
    registry,
    'backend_log_lines_dropped_total',
    'Backend log lines the disk refused (full disk, I/O error); they stay in memory but not on disk',
    () => logs.droppedLines,
  );
  new Gauge({
    name: 'backend_process_resident_memory_bytes',
    help: "The backend process's resident memory, bytes (Linux /proc; 0 when none runs)",
    registers: [registry],
    collect() {
      const pid = supervisor.status().pid;
      this.set(pid ? (readProcessStats(pid)?.rssBytes ?? 0) : 0);
    },
  });
  const cpu = new BackendCpuTotal();
  totalCounter(
    registry,
    'backend_process_cpu_seconds_total',
    'CPU time of the backend processes since the supervisor started, user + system, seconds (Linux /proc; each process up to its last sample)',
    () => cpu.sample(supervisor.status().pid),
  );
  // Samples between scrapes, so a process replaced before the next scrape still counts: at
  // each probe, and as a stop begins (the process is still there; after its exit it is not).
  supervisor.on('state', ({ to, status }) => {
    if (to === 'stopping') cpu.sample(status.pid);
  });
  supervisor.on('probe', (probe) => {
    cpu.sample(supervisor.status().pid);
    if (probe.latency_ms !== null) probeDuration.observe({ result: probe.ok ? 'ok' : 'fail' }, probe.latency_ms / 1000);
  });
  supervisor.on('exit', (exit) => exits.inc({ expected: String(exit.expected) }));
  return registry;
}
