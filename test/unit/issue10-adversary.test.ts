/**
 * Issue 10 items 1-4 attacked: what a real backend and an older server throw at the
 * startup cadence, the failed-start diagnosis, the incident summary and the status payload.
 */
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogLine } from '../../src/shared/status';
import { incidentSummary, SUMMARY_STDERR_CHARS } from '../../src/main/core/incident-facts';
import { CUT_MARKER } from '../../src/main/core/line-splitter';
import { listeningSocketsOf } from '../../src/main/core/port-owner';
import {
  startupProbeMaxMs,
  STARTUP_PROBE_LOOPBACK_MAX_MS,
  STARTUP_PROBE_REMOTE_MAX_MS,
} from '../../src/main/core/startup-wait';
import { unwrapEnvelope } from '../../src/renderer/src/api/envelope';

const stderr = (text: string): LogLine => ({ seq: 1, ts: '2026-12-01T10:00:00.000Z', stream: 'stderr', text });
const WHY = 'exited unexpectedly (exited with code 1)';

describe('the incident summary is plain text', () => {
  it('drops the colour codes of a coloured stderr line', () => {
    const summary = incidentSummary(WHY, [stderr('\u001b[1;31mFATAL\u001b[0m: cannot connect to database\u001b[K')]);
    expect(summary).toBe(`${WHY} — stderr: FATAL: cannot connect to database`);
  });

  it('counts the cut after the colour codes are gone', () => {
    const text = '\u001b[31m' + 'x'.repeat(SUMMARY_STDERR_CHARS) + '\u001b[0m';
    expect(incidentSummary(WHY, [stderr(text)])).toBe(`${WHY} — stderr: ${'x'.repeat(SUMMARY_STDERR_CHARS)}`);
  });

  it('a 10 KB line, HTML and invalid UTF-8 (U+FFFD) are kept as text, cut to the limit', () => {
    const summary = incidentSummary(WHY, [stderr('<script>alert(1)</script>\uFFFD' + 'y'.repeat(10_240))]);
    expect(summary).toBe(
      `${WHY} — stderr: ${('<script>alert(1)</script>\uFFFD' + 'y'.repeat(10_240)).slice(0, SUMMARY_STDERR_CHARS)}${CUT_MARKER}`,
    );
  });
});

describe('where a group listens, when a member is gone', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  it('a member that exited between the group scan and the socket scan hides nothing the others hold', async () => {
    const server = createServer();
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    // No such pid (above any pid_max): /proc/<pid>/fd is ENOENT, as for a member that just exited.
    const gone = 2 ** 31 - 2;
    const sockets = listeningSocketsOf([process.pid, gone]);
    expect(sockets?.some((s) => s.host === '127.0.0.1' && s.port === port)).toBe(true);
  });

  it('only gone members: nothing is known to listen, which is "no TCP port", not unknown', () => {
    expect(listeningSocketsOf([2 ** 31 - 2])).toEqual([]);
  });
});

describe('startup cadence of URLs that reach this machine', () => {
  it('0.0.0.0 and [::] connect to this host: probed as loopback', () => {
    expect(startupProbeMaxMs('http://0.0.0.0:8080/health')).toBe(STARTUP_PROBE_LOOPBACK_MAX_MS);
    expect(startupProbeMaxMs('http://[::]:8080/health')).toBe(STARTUP_PROBE_LOOPBACK_MAX_MS);
    expect(startupProbeMaxMs('http://localhost:8080/health')).toBe(STARTUP_PROBE_LOOPBACK_MAX_MS);
    expect(startupProbeMaxMs('http://10.0.0.5:8080/health')).toBe(STARTUP_PROBE_REMOTE_MAX_MS);
    expect(startupProbeMaxMs('http://example.com/health')).toBe(STARTUP_PROBE_REMOTE_MAX_MS);
  });
});

describe('a status payload from a server without the new fields', () => {
  const OLD = {
    status: 'stopped',
    pid: null,
    uptime_secs: 0,
    restart_count: 0,
    last_health_check: 'unknown',
    is_running: false,
    orchestrator_enabled: true,
    backend_url: 'http://127.0.0.1:3000',
    consecutive_failures: 0,
    last_health: null,
    last_exit: { code: 0, signal: null, at: '2026-12-01T10:00:00.000Z', expected: true },
    last_error: null,
    state_reason: 'stopped by user-ui',
    state_actor: 'user-ui',
    state_since: '2026-12-01T10:00:00.000Z',
    next_restart_in_ms: null,
  };

  it('is read, the new fields as "none"', () => {
    const status = unwrapEnvelope('backend:status', { ok: true, data: OLD });
    expect(status.health_failures).toBe(0);
    expect(status.startup).toBeNull();
    expect(status.last_exit?.stopped_by).toBeNull();
    expect(status.last_exit?.stop_reason).toBeNull();
  });
});
