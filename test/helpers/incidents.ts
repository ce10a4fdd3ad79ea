import type { Incident } from '../../src/shared/incident';

/**
 * A valid incident (a crash with exit code 1, no log lines, no probes), changed by
 * `overrides`. Tests that care about sizes give a fixed-width `id`.
 */
export function makeIncident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: 'incident-0',
    at: '2026-12-01T10:00:00.000Z',
    kind: 'crash',
    summary: 'exited unexpectedly (exited with code 1)',
    pid: 1234,
    exit: { code: 1, signal: null },
    uptime_ms: 1000,
    action: 'restart attempt 1/3 in 0 ms',
    logs: [],
    probes: [],
    ...overrides,
  };
}
