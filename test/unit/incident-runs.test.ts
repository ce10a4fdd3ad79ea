/**
 * Incidents of one failure run (issue 10 item 4): what an incident keeps (its process's own
 * lines, the last stderr line in the summary), and that runs survive the store's file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Incident } from '../../src/shared/incident';
import type { LogLine } from '../../src/shared/status';
import { incidentLogs, incidentSummary, SUMMARY_STDERR_CHARS } from '../../src/main/core/incident-facts';
import { IncidentStore, MAX_INCIDENTS } from '../../src/main/core/incident-store';
import { CUT_MARKER } from '../../src/main/core/line-splitter';
import { groupIncidentRuns } from '../../src/renderer/src/incidents/incident-runs';
import { tempDir } from '../helpers/supervise';
import { makeIncident } from '../helpers/incidents';

const line = (seq: number, stream: LogLine['stream'], text: string): LogLine => ({
  seq,
  ts: '2026-12-01T10:00:00.000Z',
  stream,
  text,
});

function incident(n: number, overrides: Partial<Incident> = {}): Incident {
  return makeIncident({ id: `incident-${n}`, ...overrides });
}

describe('incident facts', () => {
  const tail = [
    line(1, 'stderr', 'old process: FATAL: earlier'),
    line(2, 'supervisor', 'spawned pid 7'),
    line(3, 'stderr', 'FATAL: cannot connect to database'),
    line(4, 'stdout', 'bye'),
    line(5, 'stderr', '   '),
  ];

  it("keeps the process's own lines from its first seq on; without a process, the supervisor's only", () => {
    expect(incidentLogs(tail, 2, 50).map((l) => l.seq)).toEqual([2, 3, 4, 5]);
    expect(incidentLogs(tail, 2, 2).map((l) => l.seq)).toEqual([4, 5]);
    expect(incidentLogs(tail, null, 50).map((l) => l.seq)).toEqual([2]);
  });

  it('puts the last non-blank stderr line in the summary', () => {
    expect(incidentSummary('exited unexpectedly (exited with code 1)', incidentLogs(tail, 2, 50))).toBe(
      'exited unexpectedly (exited with code 1) — stderr: FATAL: cannot connect to database',
    );
    expect(incidentSummary('why', [line(1, 'stdout', 'only stdout')])).toBe('why');
  });

  it('a stderr line of SUMMARY_STDERR_CHARS stays whole; one character more is cut and marked', () => {
    const whole = 'e'.repeat(SUMMARY_STDERR_CHARS);
    expect(incidentSummary('why', [line(1, 'stderr', whole)])).toBe(`why — stderr: ${whole}`);
    expect(incidentSummary('why', [line(1, 'stderr', `${whole}X`)])).toBe(`why — stderr: ${whole}${CUT_MARKER}`);
  });
});

describe('failure runs in the incident store and the page', () => {
  it('reloads runs across a restart, reads old lines without a run, skips a corrupt line', () => {
    const file = join(tempDir(), 'incidents.jsonl');
    // An incident written before runs were recorded, and a corrupt line.
    writeFileSync(file, `${JSON.stringify(incident(0))}\n{"id": "half a line\n`);
    const first = new IncidentStore(file);
    for (let attempt = 1; attempt <= 3; attempt++) first.add(incident(attempt, { run_id: 'run-a', attempt }));

    const reloaded = new IncidentStore(file);
    expect(reloaded.skippedOnLoad).toBe(1);
    const list = reloaded.list();
    expect(list.map((i) => i.id)).toEqual(['incident-3', 'incident-2', 'incident-1', 'incident-0']);
    expect(list[0]).toMatchObject({ run_id: 'run-a', attempt: 3 });
    expect(list[3]?.run_id).toBeUndefined();
    const runs = groupIncidentRuns(list);
    expect(runs.map((r) => [r.id, r.attempts.length])).toEqual([
      ['run-a', 3],
      ['incident-0', 1],
    ]);
    expect(runs[0]?.latest.id).toBe('incident-3');
  });

  it(`compacts the file to the last ${MAX_INCIDENTS} once it holds twice that`, () => {
    const file = join(tempDir(), 'incidents.jsonl');
    const store = new IncidentStore(file);
    for (let n = 0; n < 2 * MAX_INCIDENTS; n++) store.add(incident(n, { run_id: `run-${Math.floor(n / 4)}` }));
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2 * MAX_INCIDENTS);
    store.add(incident(2 * MAX_INCIDENTS));
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(MAX_INCIDENTS);
    expect((JSON.parse(lines.at(-1) as string) as Incident).id).toBe(`incident-${2 * MAX_INCIDENTS}`);
    expect(new IncidentStore(file).list()).toHaveLength(MAX_INCIDENTS);
  });
});
