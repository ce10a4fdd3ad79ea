/**
 * Issue 10, item 9: the /metrics exposition follows the Prometheus conventions. A name
 * ending in `_total` is a counter; the supervisor's own process metrics carry prom-client's
 * standard names (`process_*`, `nodejs_*`), which stock dashboards expect; the seed's four
 * `backend_*` names stay. That the CPU counter never goes down: backend-cpu-total.test.ts
 * and test/integration/metrics-cpu-counter.test.ts.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { LogFile } from '../../src/main/core/log-file';
import { LogStore } from '../../src/main/core/log-store';
import { createMetrics } from '../../src/main/core/metrics';
import { parseExposition } from '../helpers/exposition';
import { realSupervisor, stackOf, testConfig } from '../helpers/supervise';

/** The registry of a supervisor that is never started, over `logs`. */
function registryOver(logs?: LogStore) {
  const { supervisor, logs: own } = realSupervisor(testConfig(1));
  return createMetrics(stackOf(supervisor, logs ?? own));
}

describe('the /metrics exposition', () => {
  it('types every backend_*_total family as a counter, and the gauges of the seed stay gauges', async () => {
    const { types } = parseExposition(await registryOver().metrics());
    // prom-client's own nodejs_active_{handles,requests,resources}_total are gauges under
    // their standard names (dashboards key on them); every name of ours follows the rule.
    const totals = [...types].filter(
      ([name]) => name.endsWith('_total') && (name.startsWith('backend_') || name.startsWith('process_')),
    );
    expect(totals.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        'backend_log_lines_dropped_total',
        'backend_process_cpu_seconds_total',
        'backend_restarts_total',
        'backend_exits_total',
        'process_cpu_user_seconds_total',
      ]),
    );
    for (const [name, type] of totals) expect({ name, type }).toEqual({ name, type: 'counter' });
    for (const name of [
      'backend_status',
      'backend_uptime_seconds',
      'backend_restart_count',
      'backend_health_check_success_rate',
    ]) {
      expect({ name, type: types.get(name) }).toEqual({ name, type: 'gauge' });
    }
  });

  it("names the supervisor's own process metrics as stock dashboards expect, with no prefix", async () => {
    const text = await registryOver().metrics();
    const { types, values } = parseExposition(text);
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_cpu_system_seconds_total',
      'process_resident_memory_bytes',
      'process_start_time_seconds',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      'nodejs_version_info',
    ]) {
      expect(types.has(name), name).toBe(true);
    }
    expect(values.get('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(text).not.toMatch(/^(# (HELP|TYPE) )?supervisor_/m);
    // Every family is either the backend's or a standard one.
    for (const name of types.keys()) expect(name).toMatch(/^(backend|process|nodejs)_/);
  });

  it('counts dropped log lines as a counter that follows the log file', async () => {
    const file = Object.assign(new EventEmitter(), { dropped: 0 });
    const logs = new LogStore(10, { backendFile: file as unknown as LogFile });
    const registry = registryOver(logs);
    const read = async (): Promise<number | undefined> =>
      parseExposition(await registry.metrics()).values.get('backend_log_lines_dropped_total{service="backend"}');
    expect(await read()).toBe(0);
    file.dropped = 3;
    expect(await read()).toBe(3);
    expect(await read()).toBe(3); // a scrape adds nothing when nothing was dropped
    file.dropped = 10;
    expect(await read()).toBe(10);
  });
});
