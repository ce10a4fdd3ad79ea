import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SupervisorConfigSchema, type SupervisorConfigInput } from '../../src/shared/config';
import type { Clock } from '../../src/main/core/clock';
import type { HealthProbe, ProbeOutcome } from '../../src/main/core/health-probe';
import type { ChildHandle, Launcher, ProcessExit } from '../../src/main/core/launcher';
import { LogStore } from '../../src/main/core/log-store';
import { Supervisor } from '../../src/main/core/supervisor';
import { SupervisorError } from '../../src/main/core/errors';
import type { BackendState } from '../../src/shared/states';
import type { Incident } from '../../src/shared/incident';

/** A scripted child: exits when told, or on SIGKILL, or on SIGTERM unless it ignores it. */
class FakeChild implements ChildHandle {
  static nextPid = 1000;
  readonly pid = FakeChild.nextPid++;
  hasExited = false;
  readonly signals: string[] = [];
  private resolveExit!: (e: ProcessExit) => void;
  readonly exited = new Promise<ProcessExit>((r) => (this.resolveExit = r));
  constructor(private readonly ignoreTerm: boolean) {}
  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    if (this.hasExited) return;
    this.hasExited = true;
    this.resolveExit({ code, signal });
  }
  signalGroup(signal: NodeJS.Signals): void {
    this.signals.push(signal);
    if (signal === 'SIGKILL') this.exit(null, 'SIGKILL');
    else if (signal === 'SIGTERM' && !this.ignoreTerm) this.exit(0);
  }
  groupAlive(): boolean {
    return !this.hasExited;
  }
  private output: (stream: 'stdout' | 'stderr', chunk: Buffer) => void = () => {};
  onOutput(listener: (stream: 'stdout' | 'stderr', chunk: Buffer) => void): void {
    this.output = listener;
  }
  /** Writes a line to the child's stdout or stderr. */
  say(stream: 'stdout' | 'stderr', line: string): void {
    this.output(stream, Buffer.from(`${line}\n`));
  }
  onOutputEnd(): void {}
  pauseOutput(): void {}
  resumeOutput(): void {}
}

class FakeLauncher implements Launcher {
  readonly children: FakeChild[] = [];
  ignoreTerm = false;
  failWith: SupervisorError | null = null;
  async launch(): Promise<ChildHandle> {
    if (this.failWith) throw this.failWith;
    const child = new FakeChild(this.ignoreTerm);
    this.children.push(child);
    return child;
  }
  get last(): FakeChild {
    return this.children.at(-1) as FakeChild;
  }
}

/** Answers like a backend on the port: refused while no child lives, else per `healthy`. */
class FakeProbe implements HealthProbe {
  healthy = true;
  /** A stranger already serving the port. */
  stranger = false;
  /** The supervisor's side is out of file descriptors: every probe fails with EMFILE. */
  outOfFds = false;
  calls = 0;
  constructor(private readonly launcher: FakeLauncher) {}
  async probe(): Promise<ProbeOutcome> {
    this.calls++;
    if (this.outOfFds) {
      const error = 'EMFILE: the supervisor has too many open files';
      return {
        at: new Date().toISOString(),
        ok: false,
        latency_ms: null,
        status_code: null,
        error,
        failure: 'cannot-probe',
        body: null,
      };
    }
    const listening = this.stranger || this.launcher.children.some((c) => !c.hasExited);
    const ok = listening && (this.stranger || this.healthy);
    return {
      at: new Date().toISOString(),
      ok,
      latency_ms: ok ? 1 : null,
      status_code: ok ? 200 : null,
      error: ok ? null : 'connection refused',
      body: null,
    };
  }
  async close(): Promise<void> {}
}

const fakeClock: Clock = {
  monotonicMs: () => Date.now(),
  wallNow: () => new Date(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** A supervisor over a fake launcher and clock; `makeProbe` swaps the default {@link FakeProbe}. */
function setup(overrides: Partial<SupervisorConfigInput> = {}, makeProbe?: (launcher: FakeLauncher) => HealthProbe) {
  const config = SupervisorConfigSchema.parse({
    command: '/bin/backend',
    dataDir: '/tmp/unused',
    healthCheckIntervalMs: 1_000,
    healthConfirmDelayMs: 100,
    restartDelayMs: 1_000,
    maxRestartDelayMs: 4_000,
    stopTimeoutMs: 2_000,
    ...overrides,
  });
  const launcher = new FakeLauncher();
  const probe = new FakeProbe(launcher);
  const logs = new LogStore(100);
  const supervisor = new Supervisor({
    config,
    launcher,
    probe: makeProbe?.(launcher) ?? probe,
    logs,
    clock: fakeClock,
  });
  const states: BackendState[] = [];
  supervisor.on('state', (e) => states.push(e.to));
  return { supervisor, launcher, probe, states, logs };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('supervisor state machine (fake process, fake timers)', () => {
  it('goes stopped → starting → running → stopping → stopped, recording who asked', async () => {
    const { supervisor, launcher, states } = setup();
    const started = await supervisor.start('tray');
    expect(started).toMatchObject({ success: true, status: 'running', pid: launcher.last.pid });
    expect(supervisor.status().state_actor).toBe('tray');
    await supervisor.stop('rest');
    expect(states).toEqual(['starting', 'running', 'stopping', 'stopped']);
    expect(launcher.last.signals).toEqual(['SIGTERM']);
    expect(supervisor.status()).toMatchObject({ status: 'stopped', pid: null, state_actor: 'rest', restart_count: 0 });
  });

  it('restarts a crash at once, then with doubling delays, then gives up in crashed', async () => {
    const { supervisor, launcher } = setup({ maxRestartAttempts: 3 });
    await supervisor.start('user-ui');
    launcher.last.exit(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(launcher.children).toHaveLength(2); // first restart: immediate
    expect(supervisor.currentState).toBe('running');

    launcher.last.exit(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(supervisor.currentState).toBe('backoff');
    expect(supervisor.status().next_restart_in_ms).toBe(1_000);
    await vi.advanceTimersByTimeAsync(999);
    expect(launcher.children).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(launcher.children).toHaveLength(3);

    launcher.last.exit(1);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(launcher.children).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(launcher.children).toHaveLength(4);
    expect(supervisor.status().restart_count).toBe(3);

    launcher.last.exit(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(supervisor.currentState).toBe('crashed');
    expect(launcher.children).toHaveLength(4);
    expect(supervisor.status().state_reason).toMatch(/exited unexpectedly \(exited with code 1\); gave up after 3/);
  });

  it('resets the consecutive-failure counter after a healthy run of restartResetAfter', async () => {
    const { supervisor, launcher } = setup({ maxRestartAttempts: 1, restartResetAfterMs: 5_000 });
    await supervisor.start('user-ui');
    launcher.last.exit(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(supervisor.status().consecutive_failures).toBe(1);
    await vi.advanceTimersByTimeAsync(5_000); // healthy long enough
    launcher.last.exit(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(supervisor.currentState).toBe('running'); // a fresh failure, not the 2nd in a row
    expect(launcher.children).toHaveLength(3);
  });

  it('never lets the policy undo a stop asked for by a person', async () => {
    const { supervisor, launcher } = setup();
    await supervisor.start('user-ui');
    launcher.last.exit(1);
    await vi.advanceTimersByTimeAsync(0);
    launcher.last.exit(1); // now in backoff, waiting 1 s
    await vi.advanceTimersByTimeAsync(0);
    expect(supervisor.currentState).toBe('backoff');
    await supervisor.stop('user-ui');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(supervisor.currentState).toBe('stopped');
    expect(launcher.children).toHaveLength(2);
  });

  it('escalates to SIGKILL after the stop timeout', async () => {
    const { supervisor, launcher } = setup({ stopTimeoutMs: 2_000 });
    launcher.ignoreTerm = true;
    await supervisor.start('user-ui');
    const stopping = supervisor.stop('user-ui');
    await vi.advanceTimersByTimeAsync(1_999);
    expect(launcher.last.signals).toEqual(['SIGTERM']);
    await vi.advanceTimersByTimeAsync(1);
    await stopping;
    expect(launcher.last.signals).toEqual(['SIGTERM', 'SIGKILL']);
    expect(supervisor.status().last_exit).toMatchObject({ signal: 'SIGKILL', expected: true });
  });

  it('counts a manual restart and keeps one live process', async () => {
    const { supervisor, launcher } = setup();
    await supervisor.start('user-ui');
    const r = await supervisor.restart('user-ui');
    expect(r).toMatchObject({ success: true, restart_count: 1, message: 'Backend restarted successfully' });
    expect(launcher.children.filter((c) => !c.hasExited)).toHaveLength(1);
  });

  it('fails a start that never becomes healthy within the budget, and says why', async () => {
    const { supervisor, launcher, probe } = setup({ startupTimeoutMs: 3_000, maxRestartAttempts: 0 });
    probe.healthy = false;
    const starting = supervisor.start('user-ui');
    await vi.advanceTimersByTimeAsync(3_100);
    const r = await starting;
    expect(r.success).toBe(false);
    expect(r.message).toMatch(/not healthy within 3000 ms \(never answered: connection refused\)/);
    expect(supervisor.currentState).toBe('crashed');
    expect(launcher.last.hasExited).toBe(true);
  });

  it('confirms a failed probe before calling the backend unhealthy, then restarts it', async () => {
    const { supervisor, launcher, probe, states } = setup({ healthFailureThreshold: 3 });
    await supervisor.start('user-ui');
    probe.healthy = false;
    await vi.advanceTimersByTimeAsync(1_000); // periodic probe fails
    await vi.advanceTimersByTimeAsync(100); // 1st confirmation fails
    expect(supervisor.currentState).toBe('running');
    probe.healthy = true; // recovers before the 3rd failure
    await vi.advanceTimersByTimeAsync(100);
    expect(supervisor.currentState).toBe('running');
    probe.healthy = false;
    await vi.advanceTimersByTimeAsync(1_000 + 200);
    expect(states).toContain('unhealthy');
    probe.healthy = true;
    await vi.advanceTimersByTimeAsync(10); // the first restart is immediate
    expect(supervisor.currentState).toBe('running');
    expect(launcher.children).toHaveLength(2);
    expect(launcher.children[0]?.hasExited).toBe(true);
  });

  it('reports a launch error at once and does not retry it', async () => {
    const { supervisor, launcher } = setup();
    launcher.failWith = new SupervisorError('COMMAND_NOT_FOUND', 'backend command not found: /bin/backend');
    const r = await supervisor.start('user-ui');
    expect(r).toMatchObject({ success: false, status: 'crashed', message: 'backend command not found: /bin/backend' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(supervisor.status().restart_count).toBe(0);
  });

  it('in remote mode, refuses process commands and monitors health', async () => {
    const { supervisor, launcher, probe } = setup({ orchestratorEnabled: false });
    probe.stranger = true; // the remote backend answers
    const r = await supervisor.start('app-start');
    expect(r).toMatchObject({ success: true, status: 'running', pid: null });
    await expect(supervisor.stop('rest')).rejects.toMatchObject({ code: 'REMOTE_MODE' });
    expect(launcher.children).toHaveLength(0);
  });

  it('after dispose, no restart and no new command', async () => {
    const { supervisor, launcher } = setup();
    await supervisor.start('user-ui');
    await supervisor.dispose();
    expect(supervisor.currentState).toBe('stopped');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(launcher.children).toHaveLength(1);
    await expect(supervisor.start('user-ui')).rejects.toMatchObject({ code: 'DISPOSED' });
  });

  it('refuses to start a twin when another process already serves the port, and says who', async () => {
    const { supervisor, launcher, probe } = setup();
    probe.stranger = true;
    const incidents: Incident[] = [];
    supervisor.on('incident', (i) => incidents.push(i));
    const r = await supervisor.start('user-ui');
    expect(r.success).toBe(false);
    expect(r.message).toMatch(/^port 3000 is already in use/);
    expect(supervisor.currentState).toBe('crashed');
    expect(launcher.children).toHaveLength(0);
    expect(incidents.map((i) => i.kind)).toEqual(['port-in-use']);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(launcher.children).toHaveLength(0); // no restart storm
  });

  it('records an incident per failure with what the policy did', async () => {
    const { supervisor, launcher } = setup({ maxRestartAttempts: 1 });
    const incidents: Incident[] = [];
    supervisor.on('incident', (i) => incidents.push(i));
    await supervisor.start('user-ui');
    const pid = launcher.last.pid;
    launcher.last.exit(3);
    await vi.advanceTimersByTimeAsync(0);
    launcher.last.exit(null, 'SIGSEGV');
    await vi.advanceTimersByTimeAsync(0);
    expect(incidents).toHaveLength(2);
    expect(incidents[0]).toMatchObject({
      kind: 'crash',
      pid,
      exit: { code: 3, signal: null },
      action: 'restart attempt 1/1 in 0 ms',
    });
    expect(incidents[0]?.logs.some((l) => l.text.includes('state starting → running'))).toBe(true);
    expect(incidents[1]).toMatchObject({
      kind: 'crash',
      exit: { signal: 'SIGSEGV' },
      action: 'gave up after 1 consecutive restart attempt',
    });
  });

  it('keeps uptime and backoff on the monotonic clock when the wall clock jumps an hour', async () => {
    vi.useRealTimers();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
    const config = SupervisorConfigSchema.parse({
      command: '/bin/backend',
      dataDir: '/tmp/unused',
      restartDelayMs: 1_000,
    });
    const launcher = new FakeLauncher();
    const supervisor = new Supervisor({ config, launcher, probe: new FakeProbe(launcher), logs: new LogStore(100) });
    await supervisor.start('user-ui');
    await vi.advanceTimersByTimeAsync(5_000);
    vi.setSystemTime(Date.now() + 3_600_000);
    expect(supervisor.status().uptime_secs).toBe(5);
    vi.setSystemTime(Date.now() - 7_200_000);
    expect(supervisor.status().uptime_secs).toBe(5);
    launcher.last.exit(1);
    await vi.advanceTimersByTimeAsync(0);
    launcher.last.exit(1); // second failure: 1 s backoff
    await vi.advanceTimersByTimeAsync(0);
    vi.setSystemTime(Date.now() + 3_600_000);
    expect(supervisor.status().next_restart_in_ms).toBe(1_000);
    await vi.advanceTimersByTimeAsync(999);
    expect(launcher.children).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(launcher.children).toHaveLength(3);
  });

  it('keeps at most one live process through 1,000 racing random commands; the last one wins', async () => {
    const { supervisor, launcher } = setup();
    let maxLive = 0;
    const watch = (): void => {
      maxLive = Math.max(maxLive, launcher.children.filter((c) => !c.hasExited).length);
    };
    supervisor.on('state', watch);
    const verbs = ['start', 'stop', 'restart'] as const;
    let seed = 42;
    const random = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const commands = Array.from({ length: 1_000 }, () => verbs[Math.floor(random() * 3)] as (typeof verbs)[number]);
    const results = await Promise.all(commands.map((verb) => supervisor[verb]('rest')));
    watch();
    expect(maxLive).toBe(1);
    const last = commands.at(-1);
    expect(results.at(-1)?.status).toBe(last === 'stop' ? 'stopped' : 'running');
    expect(supervisor.currentState).toBe(last === 'stop' ? 'stopped' : 'running');
    expect(launcher.children.filter((c) => !c.hasExited)).toHaveLength(last === 'stop' ? 0 : 1);
  });

  it('does not count a probe the supervisor cannot make (EMFILE) as a failure: no hang, state kept, logged once', async () => {
    const { supervisor, launcher, probe, logs, states } = setup({ healthFailureThreshold: 3 });
    const incidents: Incident[] = [];
    supervisor.on('incident', (i) => incidents.push(i));
    await supervisor.start('user-ui');
    const before = supervisor.status().last_health;
    probe.outOfFds = true;
    const callsBefore = probe.calls;
    await vi.advanceTimersByTimeAsync(10_000); // ten intervals, each probe failing with EMFILE
    expect(probe.calls - callsBefore).toBe(10); // one try per interval, no confirmation burst
    expect(supervisor.currentState).toBe('running');
    expect(states).not.toContain('unhealthy');
    expect(launcher.children).toHaveLength(1);
    expect(launcher.last.signals).toEqual([]);
    expect(incidents).toEqual([]);
    expect(supervisor.status().last_health).toEqual(before);
    const said = (text: string): number => logs.tail(100).filter((l) => l.text.includes(text)).length;
    expect(said('cannot probe the backend')).toBe(1);
    probe.outOfFds = false;
    probe.healthy = false; // a real failure afterwards still counts from zero and is confirmed
    await vi.advanceTimersByTimeAsync(1_000 + 200);
    expect(said('health probes can be made again')).toBe(1);
    expect(states).toContain('unhealthy');
  });

  it('a start during which no probe could be made (EMFILE) says so, not "never answered"', async () => {
    const { supervisor, probe } = setup({ startupTimeoutMs: 3_000, maxRestartAttempts: 0 });
    probe.outOfFds = true;
    const starting = supervisor.start('user-ui');
    await vi.advanceTimersByTimeAsync(3_100);
    expect((await starting).message).toBe(
      'Backend failed to start: not healthy within 3000 ms (could not probe: EMFILE: the supervisor has too many open files)',
    );
  });

  it('a start that runs out of budget says the last real answer, not a probe cut short by the deadline', async () => {
    const budgets: number[] = [];
    // A backend answering 404 after 600 ms: a probe given less than that times out.
    const answerMs = 600;
    const slow404 = (launcher: FakeLauncher): HealthProbe => ({
      probe: async (_url, timeoutMs) => {
        budgets.push(timeoutMs);
        const alive = launcher.children.some((c) => !c.hasExited);
        const answered = alive && timeoutMs >= answerMs;
        await new Promise((r) => setTimeout(r, answered ? answerMs : timeoutMs));
        return {
          at: new Date().toISOString(),
          ok: false,
          latency_ms: null,
          status_code: answered ? 404 : null,
          error: answered ? 'answered HTTP 404' : `no answer within ${timeoutMs} ms`,
          failure: answered ? 'http-status' : 'no-answer',
          body: null,
        };
      },
      close: async () => {},
    });
    const { supervisor } = setup(
      { startupTimeoutMs: 3_000, healthCheckTimeoutMs: 2_000, maxRestartAttempts: 0 },
      slow404,
    );
    const starting = supervisor.start('user-ui');
    // The port check (500 ms), the 3 s budget, then the other health paths tried (500 ms).
    await vi.advanceTimersByTimeAsync(4_600);
    const r = await starting;
    expect(r.message).toBe('Backend failed to start: not healthy within 3000 ms (answered HTTP 404)');
    // The last probe, cut short by the deadline, timed out: it must not hide the 404.
    expect(budgets.at(-1)).toBeLessThan(answerMs);
    expect(budgets.every((b) => Number.isInteger(b) && b >= 10 && b <= 2_000)).toBe(true);
  });
});

describe('status describes the current process (fake process, fake timers)', () => {
  it('after a crash the policy gave up on, and after a stop: no pid, no uptime, no health', async () => {
    const { supervisor, launcher } = setup({ maxRestartAttempts: 0 });
    await supervisor.start('user-ui');
    await vi.advanceTimersByTimeAsync(3_000); // three healthy periodic probes
    expect(supervisor.status()).toMatchObject({ last_health_check: 'healthy', uptime_secs: 3 });
    launcher.last.exit(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(supervisor.status()).toMatchObject({
      status: 'crashed',
      pid: null,
      uptime_secs: 0,
      last_health_check: 'unknown',
      last_health: null,
      health_failures: 0,
      startup: null,
      last_exit: { code: 1, expected: false, stopped_by: null, stop_reason: null },
    });
    await supervisor.start('user-ui');
    await supervisor.stop('rest');
    expect(supervisor.status()).toMatchObject({
      status: 'stopped',
      last_health_check: 'unknown',
      last_health: null,
      last_exit: { expected: true, stopped_by: 'rest', stop_reason: 'stop requested by rest' },
    });
  });

  it('while starting, shows the startup probes as they happen; none once running', async () => {
    const { supervisor, launcher, probe } = setup({ startupTimeoutMs: 30_000 });
    probe.healthy = false;
    const starting = supervisor.start('user-ui');
    await vi.advanceTimersByTimeAsync(1_000);
    const early = supervisor.status();
    expect(early.status).toBe('starting');
    expect(early.pid).toBe(launcher.last.pid);
    expect(early.last_health_check).toBe('unknown');
    expect(early.startup?.probes).toBeGreaterThan(10);
    expect(early.startup?.last).toMatchObject({ ok: false, error: 'connection refused' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(supervisor.status().startup?.probes).toBeGreaterThan(early.startup?.probes ?? 0);
    probe.healthy = true;
    await vi.advanceTimersByTimeAsync(1_000);
    await starting;
    expect(supervisor.status()).toMatchObject({ status: 'running', startup: null, last_health_check: 'healthy' });
  });

  it('a start the policy killed says the policy stopped it and why, not "asked to stop"', async () => {
    const { supervisor, probe } = setup({ startupTimeoutMs: 3_000, maxRestartAttempts: 0 });
    probe.healthy = false;
    const starting = supervisor.start('user-ui');
    await vi.advanceTimersByTimeAsync(3_100);
    await starting;
    expect(supervisor.status().last_exit).toMatchObject({
      signal: null,
      code: 0,
      expected: true,
      stopped_by: 'policy',
      stop_reason: 'not healthy within 3000 ms (never answered: connection refused)',
    });
  });
});

describe('remote mode outages (fake timers)', () => {
  it('records one incident and one confirmation per outage; counts failures; uptime runs only while it answers', async () => {
    const { supervisor, probe, logs } = setup({ orchestratorEnabled: false, healthFailureThreshold: 3 });
    const incidents: Incident[] = [];
    supervisor.on('incident', (i) => incidents.push(i));
    probe.stranger = true;
    await supervisor.start('app-start');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(supervisor.status()).toMatchObject({ status: 'running', uptime_secs: 5, health_failures: 0 });

    probe.stranger = false; // the remote backend goes down for ten intervals
    await vi.advanceTimersByTimeAsync(10_000);
    const down = supervisor.status();
    expect(down).toMatchObject({ status: 'unhealthy', uptime_secs: 0, last_health_check: 'unhealthy' });
    expect(down.health_failures).toBeGreaterThanOrEqual(10);
    const confirming = (): number => logs.tail(100).filter((l) => l.text.includes('confirming (')).length;
    expect(confirming()).toBe(2); // (1/3) and (2/3), once
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({
      kind: 'remote-down',
      pid: null,
      exit: null,
      action: 'none: remote mode; watching until it answers again',
    });
    expect(incidents[0]?.summary).toMatch(/^health check failed 3 times in a row \(connection refused\)$/);
    expect(incidents[0]?.logs.every((l) => l.stream === 'supervisor')).toBe(true);

    probe.stranger = true;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(supervisor.status()).toMatchObject({ status: 'running', health_failures: 0 });
    probe.stranger = false; // a second outage
    await vi.advanceTimersByTimeAsync(5_000);
    expect(incidents).toHaveLength(2);
    expect(incidents[1]?.run_id).not.toBe(incidents[0]?.run_id);
    expect(confirming()).toBe(4);
  });

  it('a remote backend down at the first probe is an outage too', async () => {
    const { supervisor } = setup({ orchestratorEnabled: false });
    const incidents: Incident[] = [];
    supervisor.on('incident', (i) => incidents.push(i));
    await supervisor.start('app-start');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(incidents.map((i) => i.kind)).toEqual(['remote-down']);
  });
});

describe('incidents of a failure run (fake process, fake timers)', () => {
  it("groups a crash loop's attempts under one run, numbered, the last with the verdict", async () => {
    const { supervisor, launcher } = setup({ maxRestartAttempts: 3 });
    const incidents: Incident[] = [];
    supervisor.on('incident', (i) => incidents.push(i));
    await supervisor.start('user-ui');
    for (let i = 0; i < 4; i++) {
      launcher.last.exit(1);
      await vi.advanceTimersByTimeAsync(10_000);
    }
    expect(supervisor.currentState).toBe('crashed');
    expect(incidents).toHaveLength(4);
    expect(new Set(incidents.map((i) => i.run_id)).size).toBe(1);
    expect(incidents.map((i) => i.attempt)).toEqual([1, 2, 3, 4]);
    expect(incidents.at(-1)?.action).toMatch(/^gave up after 3/);

    // A person starts it again: its next failure opens a new run.
    await supervisor.start('user-ui');
    launcher.last.exit(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(incidents).toHaveLength(5);
    expect(incidents[4]?.run_id).not.toBe(incidents[0]?.run_id);
    expect(incidents[4]?.attempt).toBe(1);
  });

  it("puts the process's last stderr line in the summary and keeps only that process's lines", async () => {
    const { supervisor, launcher } = setup({ maxRestartAttempts: 3 });
    const incidents: Incident[] = [];
    supervisor.on('incident', (i) => incidents.push(i));
    await supervisor.start('user-ui');
    launcher.last.say('stdout', 'first process says hello');
    launcher.last.say('stderr', 'first process warning');
    launcher.last.exit(1);
    await vi.advanceTimersByTimeAsync(0);
    const second = launcher.last;
    second.say('stderr', 'FATAL: cannot connect to database');
    second.say('stdout', 'shutting down');
    second.exit(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(incidents).toHaveLength(2);
    expect(incidents[0]?.summary).toBe('exited unexpectedly (exited with code 1) — stderr: first process warning');
    expect(incidents[1]?.summary).toBe(
      'exited unexpectedly (exited with code 1) — stderr: FATAL: cannot connect to database',
    );
    const texts = incidents[1]?.logs.map((l) => l.text) ?? [];
    expect(texts).toContain('FATAL: cannot connect to database');
    expect(texts.some((t) => t.startsWith(`spawned pid ${second.pid}`))).toBe(true);
    expect(texts.some((t) => t.includes('first process'))).toBe(false);
  });
});
