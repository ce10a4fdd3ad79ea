/**
 * IncidentRecorder: an incident keeps the failed process's own lines, the newest 10 probes,
 * the run and attempt of the policy's failure run (or a run of one), and is logged.
 */
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/main/core/clock';
import { INCIDENT_PROBES, IncidentRecorder } from '../../src/main/core/incident-recorder';
import { LogStore } from '../../src/main/core/log-store';

const clock: Clock = {
  monotonicMs: () => 0,
  wallNow: () => new Date('2026-12-01T10:00:00Z'),
  setTimeout: () => null,
  clearTimeout: () => undefined,
};

function probe(i: number, ok = false) {
  return {
    at: `t${i}`,
    ok,
    latency_ms: i,
    status_code: null,
    error: ok ? null : `refused ${i}`,
    failure: 'unreachable',
  };
}

describe('IncidentRecorder', () => {
  it("keeps the process's own lines, the newest probes and the run it belongs to", () => {
    const logs = new LogStore(1_000);
    logs.append('stderr', 'an earlier process said this');
    const firstSeq = logs.nextSeq;
    logs.append('stdout', 'booting');
    logs.append('stderr', 'FATAL: cannot connect to database');
    const recorder = new IncidentRecorder('api', logs, clock);
    for (let i = 0; i < INCIDENT_PROBES + 3; i++)
      expect(recorder.rememberProbe(probe(i))).not.toHaveProperty('failure');
    const incident = recorder.record(
      'crash',
      'exited unexpectedly (exited with code 1)',
      { pid: 4242, exit: { code: 1, signal: null }, uptimeMs: 1234.6 },
      'restart attempt 2/5 in 1000 ms',
      { spawnFirstSeq: firstSeq, consecutiveFailures: 2, failureRun: 'run-1' },
    );
    expect(incident).toMatchObject({
      service: 'api',
      at: '2026-12-01T10:00:00.000Z',
      kind: 'crash',
      run_id: 'run-1',
      attempt: 2,
      summary: 'exited unexpectedly (exited with code 1) — stderr: FATAL: cannot connect to database',
      pid: 4242,
      exit: { code: 1, signal: null },
      uptime_ms: 1235,
      action: 'restart attempt 2/5 in 1000 ms',
    });
    expect(incident.logs.map((l) => l.text)).toEqual(['booting', 'FATAL: cannot connect to database']);
    expect(incident.probes.map((p) => p.at)).toEqual(Array.from({ length: INCIDENT_PROBES }, (_, i) => `t${i + 3}`));
    expect(logs.tail(1)[0]?.text).toBe(
      'incident (crash): exited unexpectedly (exited with code 1) — stderr: FATAL: cannot connect to database; restart attempt 2/5 in 1000 ms',
    );
  });

  it("without a process: only the supervisor's lines, and a run of one when the policy counts nothing", () => {
    const logs = new LogStore(1_000);
    logs.append('stderr', 'not ours');
    logs.append('supervisor', 'port 8080 is already in use');
    const recorder = new IncidentRecorder('api', logs, clock);
    const incident = recorder.record('port-in-use', 'port 8080 is already in use', null, 'none', {
      spawnFirstSeq: 0,
      consecutiveFailures: 0,
      failureRun: 'stale-run',
    });
    expect(incident.run_id).not.toBe('stale-run');
    expect(incident.attempt).toBe(1);
    expect(incident.pid).toBeNull();
    expect(incident.exit).toBeNull();
    expect(incident.uptime_ms).toBeNull();
    expect(incident.summary).toBe('port 8080 is already in use');
    expect(incident.logs.map((l) => l.text)).toEqual(['port 8080 is already in use']);
  });
});
