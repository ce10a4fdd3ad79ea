import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { STATE_CODES } from '../../shared/states';
import { BackendCpuTotal } from './backend-cpu-total';
import type { StackAlerts } from './alerts/stack-alerts';
import type { Stack, StackMember } from './stack/stack';
import { readProcessStats } from './process-stats';
import type { Supervisor } from './supervisor';

/**
 * The Prometheus registry of a stack, served at `/metrics` in the text exposition format.
 * Metric names and the `backend_status` codes are the seed's (001), each series labelled
 * with its `service`: `backend_status` (0 stopped, 1 running, 2 unhealthy, 3 crashed,
 * 4 starting, 5 stopping, 6 backoff, 7 waiting), `backend_uptime_seconds`,
 * `backend_restart_count`, `backend_health_check_success_rate` (0..1 over the last 100
 * probes); plus a probe latency histogram (seconds), restarts by cause, exits, dropped log
 * lines (a counter), each service's RSS and CPU (a counter summed over its processes, see
 * BackendCpuTotal), and the supervisor's own process metrics under prom-client's standard
 * names (`process_*`, `nodejs_*`, no prefix), which stock Node.js dashboards and alerts expect,
 * less the event-loop delay histogram's (see {@link collectIdleFreeDefaultMetrics}). With
 * `alerts`, `backend_alerts_total` counts each delivery of the stack file's `notify` alerts
 * by service, target kind and outcome (README "Alerts").
 */
export function createMetrics(stack: Stack, alerts?: Pick<StackAlerts, 'onOutcome'>): Registry {
  const registry = new Registry();
  collectIdleFreeDefaultMetrics(registry);
  // Read at each scrape: a reload may add or remove services (the `members` event).
  const members = { [Symbol.iterator]: () => stack.all[Symbol.iterator]() };
  const label = ['service'] as const;
  /** A gauge set at each scrape from every service's value. */
  const perService = (name: string, help: string, read: (supervisor: Supervisor) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: label,
      registers: [registry],
      collect() {
        // A service a reload removed has no series any more.
        this.reset();
        for (const { supervisor } of members) this.set({ service: supervisor.name }, read(supervisor));
      },
    });
  };
  /**
   * A counter per service following a running total that never decreases (`read`): each
   * scrape adds what it grew by since the last one (by 0 too, so each service's series is
   * there from the first scrape).
   */
  const perServiceTotal = (name: string, help: string, read: (member: StackMember) => number): void => {
    const counted = new Map<string, number>();
    new Counter({
      name,
      help,
      labelNames: label,
      registers: [registry],
      collect() {
        for (const member of members) {
          const service = member.supervisor.name;
          const total = read(member);
          const before = counted.get(service) ?? 0;
          this.inc({ service }, Math.max(0, total - before));
          counted.set(service, Math.max(total, before));
        }
      },
    });
  };
  perService(
    'backend_status',
    'Service state: 0 stopped, 1 running, 2 unhealthy, 3 crashed, 4 starting, 5 stopping, 6 backoff, 7 waiting',
    (s) => STATE_CODES[s.currentState],
  );
  perService(
    'backend_uptime_seconds',
    "Seconds since the service's current process started (0 when none runs)",
    (s) => s.status().uptime_secs,
  );
  perService(
    'backend_restart_count',
    'Restarts since the supervisor started, by a person or by the restart policy',
    (s) => s.status().restart_count,
  );
  perService(
    'backend_health_check_success_rate',
    'Fraction of successful health probes among the last 100',
    (s) => s.healthSuccessRate,
  );
  const probeDuration = new Histogram({
    name: 'backend_health_check_duration_seconds',
    help: 'Health probe latency in seconds (answered probes only)',
    labelNames: ['service', 'result'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const exits = new Counter({
    name: 'backend_exits_total',
    help: 'Process exits, by whether the supervisor asked for them',
    labelNames: ['service', 'expected'] as const,
    registers: [registry],
  });
  const restarts = new Counter({
    name: 'backend_restarts_total',
    help: 'Restarts by cause: manual, or the failure that made the policy restart (crash, hang, failed-start)',
    labelNames: ['service', 'reason'] as const,
    registers: [registry],
  });
  perServiceTotal(
    'backend_log_lines_dropped_total',
    'Log lines the disk refused (full disk, I/O error); they stay in memory but not on disk',
    ({ logs }) => logs.droppedLines,
  );
  perService(
    'backend_process_resident_memory_bytes',
    "The service process's resident memory, bytes (Linux /proc; 0 when none runs)",
    (s) => {
      const pid = s.status().pid;
      return pid ? (readProcessStats(pid)?.rssBytes ?? 0) : 0;
    },
  );
  const cpuOf = new Map<string, BackendCpuTotal>();
  perServiceTotal(
    'backend_process_cpu_seconds_total',
    'CPU time of the service processes since the supervisor started, user + system, seconds (Linux /proc; each process up to its last sample)',
    ({ supervisor }) => cpuOf.get(supervisor.name)?.sample(supervisor.status().pid) ?? 0,
  );
  const watch = (supervisor: Supervisor): void => {
    const service = supervisor.name;
    const cpu = new BackendCpuTotal();
    cpuOf.set(service, cpu);
    supervisor.on('restart', ({ reason }) => restarts.inc({ service, reason }));
    // Samples between scrapes, so a process replaced before the next scrape still counts: at
    // each probe, and as a stop begins (the process is still there; after its exit it is not).
    supervisor.on('state', ({ to, status }) => {
      if (to === 'stopping') cpu.sample(status.pid);
    });
    supervisor.on('probe', (probe) => {
      cpu.sample(supervisor.status().pid);
      if (probe.latency_ms !== null) {
        probeDuration.observe({ service, result: probe.ok ? 'ok' : 'fail' }, probe.latency_ms / 1000);
      }
    });
    supervisor.on('exit', (exit) => exits.inc({ service, expected: String(exit.expected) }));
  };
  if (alerts) {
    const delivered = new Counter({
      name: 'backend_alerts_total',
      help: "Deliveries of the services' notify alerts, by target kind (webhook, command) and outcome (sent, failed, dropped: the queue full, not_sent: a shutdown)",
      labelNames: ['service', 'target', 'outcome'] as const,
      registers: [registry],
    });
    alerts.onOutcome(({ service, target, outcome }) => delivered.inc({ service, target, outcome }));
  }
  for (const { supervisor } of stack.all) watch(supervisor);
  stack.on('members', ({ added }) => {
    for (const { supervisor } of added) watch(supervisor);
  });
  return registry;
}

/**
 * The event-loop delay families of prom-client's default metrics that come from its
 * `monitorEventLoopDelay` histogram (min, max, mean, stddev, p50, p90, p99).
 */
export const EVENT_LOOP_HISTOGRAM_METRICS = [
  'nodejs_eventloop_lag_min_seconds',
  'nodejs_eventloop_lag_max_seconds',
  'nodejs_eventloop_lag_mean_seconds',
  'nodejs_eventloop_lag_stddev_seconds',
  'nodejs_eventloop_lag_p50_seconds',
  'nodejs_eventloop_lag_p90_seconds',
  'nodejs_eventloop_lag_p99_seconds',
] as const;

/** The longest period a Node timer takes, ms (2^31 − 1, about 24.8 days). */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/**
 * prom-client's default metrics without their one cost at idle: the event-loop delay
 * histogram samples on a timer (every 10 ms by default: ~100 wake-ups a second of an
 * otherwise idle supervisor, 0.6 % of a core), and a slower one would only measure its
 * own period (its figures are the time between two samples: ~1 s at 1 s). So it is given
 * the longest period a timer takes (it never samples) and its seven families are removed.
 * Kept: `nodejs_eventloop_lag_seconds`, measured at each scrape (a setImmediate's delay),
 * and, in place of the histogram, `nodejs_eventloop_utilization_ratio`: the share of time
 * the event loop was busy since the previous scrape (libuv's own idle-time count, no timer).
 */
function collectIdleFreeDefaultMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: LONGEST_TIMER_MS });
  for (const name of EVENT_LOOP_HISTOGRAM_METRICS) registry.removeSingleMetric(name);
  let since: EventLoopUtilization = performance.eventLoopUtilization();
  new Gauge({
    name: 'nodejs_eventloop_utilization_ratio',
    help: 'Share of time the event loop was busy since the previous scrape (0..1)',
    registers: [registry],
    collect() {
      const now = performance.eventLoopUtilization();
      this.set(performance.eventLoopUtilization(now, since).utilization);
      since = now;
    },
  });
}
