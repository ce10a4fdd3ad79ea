import { describe, expect, it } from 'vitest';
import type { Incident } from '../../src/shared/incident';
import { MAX_INCIDENT_BYTES } from '../../src/main/core/incident-cap';
import { alertEnvironment, alertPayload } from '../../src/main/core/alerts/alert-payload';

describe('alert payload', () => {
  const huge: Incident = {
    id: 'i',
    service: 'api',
    at: '2026-12-02T05:00:00.000Z',
    kind: 'crash',
    summary: 'exited with code 1',
    pid: 7,
    exit: { code: 1, signal: null },
    uptime_ms: 10,
    action: 'restart attempt 1/3 in 0 ms',
    logs: Array.from({ length: 50 }, (_, i) => ({ seq: i, ts: '', stream: 'stderr' as const, text: 'x'.repeat(4000) })),
    probes: [],
  };

  it('is bounded: the incident is cut to its 16 KiB cap whatever it was given', () => {
    const payload = alertPayload('api', 'crash', huge, { count: 0, events: {}, since: null });
    expect(Buffer.byteLength(JSON.stringify(payload.incident))).toBeLessThanOrEqual(MAX_INCIDENT_BYTES);
    expect(Buffer.byteLength(JSON.stringify(payload))).toBeLessThan(MAX_INCIDENT_BYTES + 1024);
    expect(payload).toMatchObject({ service: 'api', event: 'crash', at: huge.at, summary: huge.summary });
  });

  it('gives a command the service, event, time, summary and suppressed count as variables', () => {
    const payload = alertPayload('api', 'give-up', huge, { count: 3, events: { crash: 3 }, since: huge.at });
    expect(alertEnvironment(payload)).toEqual({
      SUPERVISOR_ALERT_SERVICE: 'api',
      SUPERVISOR_ALERT_EVENT: 'give-up',
      SUPERVISOR_ALERT_AT: huge.at,
      SUPERVISOR_ALERT_SUMMARY: 'exited with code 1',
      SUPERVISOR_ALERT_SUPPRESSED: '3',
    });
  });
});
