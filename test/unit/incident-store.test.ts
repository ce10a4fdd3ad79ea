/**
 * incidents.jsonl stays bounded (issue 9 item 12): each incident is cut to its size cap
 * when recorded, and a load reads only the end of the file, whatever it holds.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Incident } from '../../src/shared/incident';
import { fitIncident, INCIDENT_TEXT_CHARS, incidentBytes, MAX_INCIDENT_BYTES } from '../../src/main/core/incident-cap';
import { INCIDENT_LOAD_BYTES, IncidentStore, MAX_INCIDENTS } from '../../src/main/core/incident-store';
import { CUT_MARKER } from '../../src/main/core/line-splitter';
import { tempDir } from '../helpers/supervise';
import { makeIncident } from '../helpers/incidents';

/** A valid incident; `n` makes its id (fixed width, so sizes do not depend on it). */
function incident(n: number, overrides: Partial<Incident> = {}): Incident {
  return makeIncident({ id: `incident-${String(n).padStart(6, '0')}`, ...overrides });
}

/** An incident whose JSON line is exactly `bytes` long (padded in its summary). */
function sized(n: number, bytes: number): Incident {
  const bare = incident(n, { summary: '' });
  return incident(n, { summary: 'x'.repeat(bytes - incidentBytes(bare)) });
}

const jsonl = (items: Incident[]): string => items.map((i) => JSON.stringify(i) + '\n').join('');

describe('incident size cap', () => {
  it('cuts an incident with huge log lines to the cap: lines cut and marked, oldest dropped, newest kept', () => {
    const logs = Array.from({ length: 50 }, (_, seq) => ({
      seq,
      ts: '2026-12-01T10:00:00.000Z',
      stream: 'stdout' as const,
      text: `line ${seq} ` + 'y'.repeat(16 * 1024),
    }));
    const file = join(tempDir(), 'incidents.jsonl');
    const store = new IncidentStore(file);
    store.add(incident(1, { logs }));
    const kept = store.list()[0] as Incident;
    expect(incidentBytes(kept)).toBeLessThanOrEqual(MAX_INCIDENT_BYTES);
    expect(kept.logs.at(-1)?.seq).toBe(49);
    expect(kept.logs.length).toBeGreaterThan(10);
    expect(kept.logs.every((l) => l.text.endsWith(CUT_MARKER))).toBe(true);
    expect(kept).toMatchObject({ kind: 'crash', action: 'restart attempt 1/3 in 0 ms', exit: { code: 1 } });
    expect(statSync(file).size).toBeLessThanOrEqual(MAX_INCIDENT_BYTES + 1);
  });

  it('in an oversized incident, a text of INCIDENT_TEXT_CHARS stays whole; one character more is cut', () => {
    const line = (seq: number, text: string) => ({
      seq,
      ts: '2026-12-01T10:00:00.000Z',
      stream: 'stderr' as const,
      text,
    });
    const atLimit = 'a'.repeat(INCIDENT_TEXT_CHARS);
    const overLimit = 'b'.repeat(INCIDENT_TEXT_CHARS + 1);
    const padding = Array.from({ length: 40 }, (_, seq) => line(seq, 'p'.repeat(1_000))); // makes it oversized
    const fitted = fitIncident(incident(1, { logs: [...padding, line(40, atLimit), line(41, overLimit)] }));
    expect(fitted.logs.at(-2)?.text).toBe(atLimit);
    expect(fitted.logs.at(-1)?.text).toBe('b'.repeat(INCIDENT_TEXT_CHARS) + CUT_MARKER);
  });

  it('keeps an incident of exactly the cap unchanged; one byte over is cut', () => {
    const atCap = sized(1, MAX_INCIDENT_BYTES);
    expect(incidentBytes(atCap)).toBe(MAX_INCIDENT_BYTES);
    expect(fitIncident(atCap)).toEqual(atCap);
    const over = sized(2, MAX_INCIDENT_BYTES + 1);
    const fitted = fitIncident(over);
    expect(incidentBytes(fitted)).toBeLessThanOrEqual(MAX_INCIDENT_BYTES);
    expect(fitted.summary.endsWith(CUT_MARKER)).toBe(true);
    const store = new IncidentStore(null);
    store.add(over);
    expect(store.list()[0]).toEqual(fitted);
  });
});

describe('incident load cap', () => {
  it('a file of exactly the load window loads whole', () => {
    const full = Array.from({ length: MAX_INCIDENTS }, (_, n) => sized(n, MAX_INCIDENT_BYTES));
    const file = join(tempDir(), 'incidents.jsonl');
    writeFileSync(file, jsonl(full));
    expect(statSync(file).size).toBe(INCIDENT_LOAD_BYTES);
    const store = new IncidentStore(file);
    expect(store.list()).toHaveLength(MAX_INCIDENTS);
    expect(store).toMatchObject({ skippedOnLoad: 0, unreadBytesOnLoad: 0 });
  });

  it('one byte more: the line the window starts inside is skipped and counted; a line start is not', () => {
    const full = Array.from({ length: MAX_INCIDENTS }, (_, n) => sized(n, MAX_INCIDENT_BYTES));
    const dir = tempDir();
    const joined = join(dir, 'joined.jsonl');
    writeFileSync(joined, 'X' + jsonl(full)); // "X" joins the first incident's line
    const cut = new IncidentStore(joined);
    expect(cut.list()).toHaveLength(MAX_INCIDENTS - 1);
    expect(cut.list().at(-1)?.id).toBe(full[1]?.id);
    expect(cut).toMatchObject({ skippedOnLoad: 1, unreadBytesOnLoad: 1 });
    const apart = join(dir, 'apart.jsonl');
    writeFileSync(apart, 'X\n' + jsonl(full)); // the window starts right after a newline
    expect(new IncidentStore(apart)).toMatchObject({ skippedOnLoad: 0, unreadBytesOnLoad: 2 });
    expect(new IncidentStore(apart).list()).toHaveLength(MAX_INCIDENTS);
  });

  it('a line of the cap loads; one byte longer is skipped and counted', () => {
    const file = join(tempDir(), 'incidents.jsonl');
    writeFileSync(file, jsonl([sized(1, MAX_INCIDENT_BYTES), sized(2, MAX_INCIDENT_BYTES + 1), incident(3)]));
    const store = new IncidentStore(file);
    expect(store.list().map((i) => i.id)).toEqual([incident(3).id, incident(1).id]);
    expect(store.skippedOnLoad).toBe(1);
  });

  it('after a load that had to cut, the next write compacts the file to what was kept', () => {
    const file = join(tempDir(), 'incidents.jsonl');
    writeFileSync(file, 'z'.repeat(INCIDENT_LOAD_BYTES * 2) + '\n' + jsonl([incident(1), incident(2)]));
    const store = new IncidentStore(file);
    expect(store.list()).toHaveLength(2);
    expect(store).toMatchObject({ skippedOnLoad: 1, unreadBytesOnLoad: statSync(file).size - INCIDENT_LOAD_BYTES });
    store.add(incident(3));
    expect(readFileSync(file, 'utf8')).toBe(jsonl([incident(1), incident(2), incident(3)]));
  });

  it('a 300 MB line before the incidents: loads them in bounded memory (peak RSS, a real process)', async () => {
    const file = join(tempDir(), 'incidents.jsonl');
    const tail = jsonl([incident(1), incident(2), incident(3)]);
    const huge = 300 * 1024 * 1024;
    // A sparse file: 300 MB of NUL bytes with no newline (no disk used), then 3 incidents.
    const fd = openSync(file, 'w');
    ftruncateSync(fd, huge);
    writeSync(fd, '\n' + tail, huge);
    closeSync(fd);
    const script = `
      import { IncidentStore } from ${JSON.stringify(join(import.meta.dirname, '../../src/main/core/incident-store.ts'))};
      const store = new IncidentStore(${JSON.stringify(file)});
      const out = { loaded: store.list().length, maxRssKiB: process.resourceUsage().maxRSS };
      process.stdout.write(JSON.stringify(out));
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(out) as { loaded: number; maxRssKiB: number };
    expect(result.loaded).toBe(3);
    // A bare node with tsx peaks near 60 MB; reading the whole file took ~700 MB.
    expect(result.maxRssKiB).toBeLessThan(200 * 1024);
  });
});

describe('the history following remote mode (persistTo, a reload that switches it)', () => {
  it('to memory and back: what was recorded in memory only is merged after the file history and written at once', () => {
    const file = join(tempDir(), 'incidents.jsonl');
    writeFileSync(file, jsonl([incident(1), incident(2)]));
    const store = new IncidentStore(file);
    store.persistTo(null);
    expect(store.path).toBeNull();
    store.add(incident(3));
    expect(readFileSync(file, 'utf8')).toBe(jsonl([incident(1), incident(2)]));
    // Another writer's line while it was in memory only: kept too, before the ones held.
    writeFileSync(file, jsonl([incident(1), incident(2), incident(9)]));
    store.persistTo(file);
    expect(store.path).toBe(file);
    const order = ['incident-000001', 'incident-000002', 'incident-000009', 'incident-000003'];
    expect(store.list().map((i) => i.id)).toEqual([...order].reverse());
    // On disk before any further incident: nothing held in memory alone is lost at a restart.
    expect(new IncidentStore(file).list().map((i) => i.id)).toEqual([...order].reverse());
    store.add(incident(4));
    expect(new IncidentStore(file).list().map((i) => i.id)).toEqual([...order, 'incident-000004'].reverse());
  });

  it('from memory only (a remote-mode start) to a file: the file keeps at most MAX_INCIDENTS, the newest', () => {
    const file = join(tempDir(), 'incidents.jsonl');
    writeFileSync(file, jsonl(Array.from({ length: MAX_INCIDENTS }, (_, n) => incident(n))));
    const store = new IncidentStore(null);
    for (let n = 0; n < 5; n++) store.add(incident(1000 + n));
    store.persistTo(file);
    const kept = new IncidentStore(file).list();
    expect(kept).toHaveLength(MAX_INCIDENTS);
    expect(kept[0]?.id).toBe('incident-001004');
    expect(kept.at(-1)?.id).toBe('incident-000005');
    expect(store.lastWriteError).toBeNull();
  });

  it('a folder in the file place: nothing thrown, the incidents kept in memory and the error said', () => {
    const dir = tempDir();
    const file = join(dir, 'incidents.jsonl');
    const store = new IncidentStore(null);
    store.add(incident(1));
    mkdirSync(file);
    store.persistTo(file);
    expect(store.list().map((i) => i.id)).toEqual(['incident-000001']);
    expect(store.lastWriteError).toMatch(/not a regular file/);
  });
});
