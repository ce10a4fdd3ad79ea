/**
 * The supervisor's health loop under attack, with real backends (fault-backend.mjs) and real
 * probes (issue 9 items 2, 6 and 12): a hung backend whose accept queue is full, probes the
 * supervisor cannot make for as long as it runs out of file descriptors, a restart across
 * kept-alive connections, a redirect, and start budgets shorter than one probe.
 */
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HealthCheckResult } from '../../src/shared/status';
import { freePort, pollUntil, realSupervisor, testConfig, waitForState } from '../helpers/supervise';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

function supervise(...args: Parameters<typeof testConfig>) {
  const made = realSupervisor(testConfig(...args));
  const probes: HealthCheckResult[] = [];
  made.supervisor.on('probe', (p) => probes.push(p));
  cleanups.push(async () => {
    await made.supervisor.dispose();
    await made.probe.close();
  });
  return { ...made, probes };
}

describe('the health loop under attack', () => {
  it('a stopped backend whose accept queue is full is found hung within the probe budget, not 10 s per probe', async () => {
    const port = await freePort();
    const { supervisor } = supervise(port, { healthCheckTimeoutMs: 500, healthFailureThreshold: 2 });
    await supervisor.start('user-ui');
    const pid = supervisor.status().pid as number;
    process.kill(pid, 'SIGSTOP');
    cleanups.push(() => {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        /* already gone */
      }
    });
    // The kernel completes handshakes for a stopped listener until its accept queue (Node's
    // default backlog, 511) is full; after that every new connect hangs (the SYN is dropped).
    const sockets: Socket[] = [];
    cleanups.push(() => sockets.forEach((s) => s.destroy()));
    for (let i = 0; i < 700; i++) {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      sockets.push(socket);
    }
    await pollUntil(
      () => sockets.filter((s) => s.readyState === 'open').length >= 500,
      10_000,
      25,
      'a full accept queue',
    );
    const stoppedAt = performance.now();
    await waitForState(supervisor, 'unhealthy', 15_000);
    // 2 probes of 500 ms + a 100 ms confirm delay + a 200 ms interval: ~1.3 s; 10 s per probe before.
    expect(performance.now() - stoppedAt).toBeLessThan(6_000);
    expect(supervisor.status().state_reason).toMatch(/no answer within 500 ms/);
    // Then restarted (SIGKILL after STOP_TIMEOUT: a stopped process keeps SIGTERM pending),
    // and the probes of the new process are not stuck behind the old one's connects.
    const hungAt = performance.now();
    await waitForState(supervisor, 'running', 20_000, () => supervisor.status().pid !== pid);
    expect(performance.now() - hungAt).toBeLessThan(10_000); // ~2.3 s: STOP_TIMEOUT (2 s) + a start
  });

  it('probes that can never be made (EMFILE) leave the backend running, say so in last_error, and spin no CPU', async () => {
    // A real supervisor in a child with 256 file descriptors: once running, it opens
    // /dev/null until EMFILE, holds them for a while, then frees them.
    const script = `
      import { closeSync, openSync } from 'node:fs';
      import { realSupervisor, testConfig, pollUntil } from ${JSON.stringify(join(import.meta.dirname, '../helpers/supervise.ts'))};
      const port = ${await freePort()};
      const { supervisor, logs, probe } = realSupervisor(testConfig(port, { healthCheckIntervalMs: 100 }));
      const out = {};
      await supervisor.start('user-ui');
      out.before = supervisor.status();
      const held = [];
      try { for (;;) held.push(openSync('/dev/null', 'r')); } catch (err) { if (err.code !== 'EMFILE') throw err; }
      await pollUntil(() => supervisor.status().last_error !== null, 5000);
      const cpu = process.cpuUsage();
      const wall = performance.now();
      await new Promise((r) => setTimeout(r, 1500)); // 15 intervals of blindness, measured
      const used = process.cpuUsage(cpu);
      out.cpuShare = (used.user + used.system) / 1000 / (performance.now() - wall);
      out.blind = supervisor.status();
      held.forEach((fd) => closeSync(fd));
      await pollUntil(() => supervisor.status().last_error === null, 5000);
      out.after = supervisor.status();
      out.logs = logs.tail(200).filter((l) => l.stream === 'supervisor').map((l) => l.text);
      await supervisor.dispose();
      await probe.close();
      process.stdout.write(JSON.stringify(out));
      process.exit(0);
    `;
    const child = spawn(
      'sh',
      ['-c', 'ulimit -n 256 && exec "$0" --import tsx --input-type=module -e "$1"', process.execPath, script],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    cleanups.push(() => void child.kill('SIGKILL'));
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(err).toBe('');
    expect(code).toBe(0);
    const r = JSON.parse(out) as {
      before: { status: string; pid: number };
      blind: { status: string; pid: number; last_error: string | null; restart_count: number };
      after: { status: string; pid: number; last_error: string | null };
      cpuShare: number;
      logs: string[];
    };
    expect(r.before.status).toBe('running');
    // Blind: still running, same process, and a person can see that nobody watches it.
    expect(r.blind).toMatchObject({ status: 'running', pid: r.before.pid, restart_count: 0 });
    expect(r.blind.last_error).toMatch(
      /^health not monitored since \d{4}-\d\d-\d\dT[\d:.]+Z: cannot probe \(EMFILE: the supervisor has too many open files\)$/,
    );
    expect(r.cpuShare).toBeLessThan(0.3); // a probe every 100 ms that fails at once: next to nothing
    expect(r.after).toMatchObject({ status: 'running', pid: r.before.pid, last_error: null });
    expect(r.logs.filter((l) => l.startsWith("cannot probe the backend's health"))).toHaveLength(1);
    expect(r.logs).toContain('health probes can be made again');
  });

  it('a restart of the backend fails no probe: no kept-alive connection to the old process is reused', async () => {
    const port = await freePort();
    const { supervisor, probes } = supervise(port, { healthCheckIntervalMs: 100 });
    await supervisor.start('user-ui');
    await pollUntil(() => probes.length >= 3, 5_000);
    const oldPid = supervisor.status().pid;
    await supervisor.restart('user-ui');
    expect(supervisor.status().pid).not.toBe(oldPid);
    const from = probes.length;
    await pollUntil(() => probes.length >= from + 5, 5_000);
    expect(probes.slice(from).filter((p) => !p.ok)).toEqual([]);
  });

  it('a health answer that redirects (301) is a failed start naming the 301, not followed', async () => {
    const port = await freePort();
    const { supervisor } = supervise(port, {
      startupTimeoutMs: 1_000,
      maxRestartAttempts: 0,
      env: { PORT: String(port), HEALTH_STATUS: '301' },
    });
    const r = await supervisor.start('user-ui');
    expect(r.message).toBe('Backend failed to start: not healthy within 1000 ms (answered HTTP 301)');
  });

  it('STARTUP_TIMEOUT below HEALTH_CHECK_TIMEOUT: a silent backend fails on time; a ready one runs', async () => {
    const silent = await freePort();
    const hung = supervise(silent, {
      startupTimeoutMs: 800,
      healthCheckTimeoutMs: 5_000,
      maxRestartAttempts: 0,
      env: { PORT: String(silent), HEALTH_DELAY_MS: '60000' },
    });
    const started = performance.now();
    const r = await hung.supervisor.start('user-ui');
    expect(r.message).toMatch(
      /^Backend failed to start: not healthy within 800 ms \(never answered: no answer within \d+ ms\)$/,
    );
    expect(performance.now() - started).toBeLessThan(3_000);

    const ready = await freePort();
    const ok = supervise(ready, {
      startupTimeoutMs: 800,
      healthCheckTimeoutMs: 5_000,
      env: { PORT: String(ready), START_DELAY_MS: '300' },
    });
    expect(await ok.supervisor.start('user-ui')).toMatchObject({ success: true, status: 'running' });
  });

  it('HEALTH_CHECK_TIMEOUT at its minimum (10 ms): a prompt backend starts and is probed', async () => {
    const port = await freePort();
    const { supervisor, probes } = supervise(port, { healthCheckTimeoutMs: 10, healthCheckIntervalMs: 100 });
    expect(await supervisor.start('user-ui')).toMatchObject({ success: true, status: 'running' });
    await pollUntil(() => probes.some((p) => p.ok), 5_000);
  });
});
