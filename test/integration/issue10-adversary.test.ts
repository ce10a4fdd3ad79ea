/**
 * Issue 10 items 1-4 attacked with real backends: where a refused backend listens (IPv6
 * only, any address), what the status says across a restart mid-start and a person's stop,
 * and which failure run an incident belongs to.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/shared/incident';
import type { SupervisorConfigInput } from '../../src/shared/config';
import type { Supervisor } from '../../src/main/core/supervisor';
import { freePort, pollUntil, realSupervisor, tempDir, testConfig, waitForState } from '../helpers/supervise';

const live: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(live.splice(0).map((s) => s.dispose()));
});

/** A backend that only listens on `host`:`port` (HTTP 200 on every path) until it is stopped. */
const listenOn = (host: string, port: number): string =>
  `require('node:http').createServer((q,s)=>s.end('ok')).listen(${port}, ${JSON.stringify(host)});`;

function supervise(
  port: number,
  overrides: Partial<SupervisorConfigInput>,
): { supervisor: Supervisor; incidents: Incident[] } {
  const { supervisor } = realSupervisor(testConfig(port, overrides));
  live.push(supervisor);
  const incidents: Incident[] = [];
  supervisor.on('incident', (i) => incidents.push(i));
  return { supervisor, incidents };
}

describe('where a refused backend listens', () => {
  it('IPv6 only, on the URL port: names [::1] for a 127.0.0.1 health URL', async () => {
    const port = await freePort();
    const { supervisor } = supervise(port, {
      args: ['-e', listenOn('::1', port)],
      startupTimeoutMs: 1_500,
      maxRestartAttempts: 0,
    });
    await supervisor.start('user-ui');
    expect(supervisor.status().state_reason).toContain(
      `it listens on [::1]:${port} (the health URL is http://127.0.0.1:${port}/health: set GO_BACKEND_URL?)`,
    );
  });

  it('on 0.0.0.0 of another port: names it', async () => {
    const [port, other] = [await freePort(), await freePort()];
    const { supervisor } = supervise(port, {
      args: ['-e', listenOn('0.0.0.0', other)],
      startupTimeoutMs: 1_500,
      maxRestartAttempts: 0,
    });
    await supervisor.start('user-ui');
    expect(supervisor.status().state_reason).toContain(`it listens on 0.0.0.0:${other} (the health URL is`);
  });

  it('on a unix socket only: it listens on no TCP port', async () => {
    const port = await freePort();
    const sock = join(tempDir(), 'backend.sock');
    const { supervisor } = supervise(port, {
      args: ['-e', `require('node:http').createServer((q,s)=>s.end('ok')).listen(${JSON.stringify(sock)});`],
      startupTimeoutMs: 1_500,
      maxRestartAttempts: 0,
    });
    await supervisor.start('user-ui');
    expect(supervisor.status().state_reason).toContain(
      '(never answered: connection refused); it listens on no TCP port',
    );
  });
});

describe('status across racing commands', () => {
  it('a restart mid-start counts only the new process its startup probes', async () => {
    const port = await freePort();
    const { supervisor } = supervise(port, { env: { PORT: String(port), START_DELAY_MS: '60000' } });
    void supervisor.start('user-ui');
    await pollUntil(() => (supervisor.status().startup?.probes ?? 0) >= 30, 10_000);
    const firstPid = supervisor.status().pid;
    const restarted = supervisor.restart('user-ui');
    await pollUntil(() => supervisor.status().status === 'starting' && supervisor.status().pid !== firstPid, 10_000);
    const s = supervisor.status();
    expect(s.startup?.probes).toBeLessThan(30);
    expect(s.last_exit?.stopped_by).toBe('user-ui');
    expect(s.last_exit?.stop_reason).toBe('restart requested by user-ui');
    await supervisor.stop('rest');
    await restarted;
    expect(supervisor.status().last_exit?.stopped_by).toBe('rest');
    expect(supervisor.status().startup).toBeNull();
  });
});

describe('failure runs', () => {
  it("a person's stop ends a run: the crash after the next start opens a new one", async () => {
    const port = await freePort();
    const { supervisor, incidents } = supervise(port, {
      env: { PORT: String(port), CRASH_AFTER_MS: '300' },
      restartDelayMs: 2_000,
      maxRestartDelayMs: 2_000,
    });
    await supervisor.start('user-ui');
    // The first restart is immediate; the second attempt's failure waits 2 s in backoff.
    await pollUntil(() => incidents.length === 2, 10_000);
    await waitForState(supervisor, 'backoff', 10_000);
    await supervisor.stop('user-ui');
    await supervisor.start('user-ui');
    await pollUntil(() => incidents.length === 3, 10_000);
    const [a, b, c] = incidents as [Incident, Incident, Incident];
    expect(b.run_id).toBe(a.run_id);
    expect(c.run_id).not.toBe(a.run_id);
    expect([a.attempt, b.attempt, c.attempt]).toEqual([1, 2, 1]);
  });

  it('an attempt that fails for good (port taken) is a new attempt of its run, not a second "1."', async () => {
    const port = await freePort();
    const dir = tempDir();
    const counter = join(dir, 'spawns');
    // First spawn: crashes at once. Second: fails to bind (exit 98, EADDRINUSE), which no retry mends.
    const script = `const fs=require('node:fs');fs.appendFileSync(${JSON.stringify(counter)},'x');
      process.exit(fs.readFileSync(${JSON.stringify(counter)},'utf8').length === 1 ? 1 : 98);`;
    const { supervisor, incidents } = supervise(port, { args: ['-e', script], restartDelayMs: 100 });
    await supervisor.start('user-ui');
    await waitForState(supervisor, 'crashed', 10_000);
    expect(readFileSync(counter, 'utf8')).toBe('xx');
    expect(incidents.map((i) => i.kind)).toEqual(['failed-start', 'port-in-use']);
    expect(incidents[1]?.run_id).toBe(incidents[0]?.run_id);
    expect(incidents.map((i) => i.attempt)).toEqual([1, 2]);
  });
});

describe('the last stderr line of a real process', () => {
  it('coloured, with invalid UTF-8 and HTML: plain text in the summary, cut to its limit', async () => {
    const port = await freePort();
    const line = '\\x1b[1;31mFATAL\\x1b[0m <b>db</b> \\xff\\xfe ' + 'z'.repeat(10_240);
    const script = `process.stderr.write(Buffer.from('${line}\\n', 'latin1'), () => process.exit(3));`;
    const { supervisor, incidents } = supervise(port, { args: ['-e', script], maxRestartAttempts: 0 });
    await supervisor.start('user-ui');
    await pollUntil(() => incidents.length === 1, 10_000);
    const summary = incidents[0]?.summary ?? '';
    expect(summary).toMatch(/^exited during start \(exited with code 3\) — stderr: FATAL <b>db<\/b> \S+ z+ …\[cut\]$/);
    expect(summary).not.toContain('\x1b');
  });
});

describe('remote mode outages', () => {
  it('a second start while the remote backend is down records no second incident for the same outage', async () => {
    const port = await freePort();
    const { supervisor, incidents } = supervise(port, { orchestratorEnabled: false });
    await supervisor.start('app-start');
    expect(supervisor.currentState).toBe('unhealthy');
    await supervisor.start('rest');
    expect(supervisor.currentState).toBe('unhealthy');
    expect(incidents.map((i) => i.kind)).toEqual(['remote-down']);
  });
});
