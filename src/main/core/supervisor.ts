import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { SupervisorConfig } from '../../shared/config';
import type { IncidentKind } from '../../shared/incident';
import type { HealthSpec } from '../../shared/services';
import { canTransition, type Actor, type BackendState } from '../../shared/states';
import type { BackendStatus, CommandResult, ExitInfo, HealthCheckResult, StartupProbes } from '../../shared/status';
import { systemClock, type Clock } from './clock';
import { SupervisorError } from './errors';
import type { HealthProbe } from './health-probe';
import { HealthMonitor, healthSettingsOf } from './health-monitor';
import { REMOTE_OUTAGE_ACTION } from './incident-facts';
import { IncidentRecorder, type FailureInfo } from './incident-recorder';
import type { ChildHandle, Launcher, LaunchSpec, ProcessExit } from './launcher';
import { pipeOutput } from './log-pipe';
import type { LogStore } from './log-store';
import { PidRecordKeeper, type PidRecordOptions } from './pid-record';
import { looksLikePortInUse, PortCheck } from './port-check';
import { findPortOwner as defaultFindPortOwner, type PortOwner } from './port-owner';
import { ESCALATION_STEP_MS, KILL_GRACE_MS, ProcessGroup } from './process-group';
import { RemoteMonitor, type RemoteTarget } from './remote-monitor';
import { decideRestart } from './restart-policy';
import { waitForStart } from './startup-wait';
import type { ServiceHooks, ServiceOptions, SupervisorDeps, SupervisorEvents } from './supervisor-types';

export type { ServiceHooks, ServiceOptions, SupervisorDeps, SupervisorEvents } from './supervisor-types';

interface ManagedChild {
  handle: ChildHandle;
  generation: number;
  startedAtMono: number;
  /** Set when the supervisor itself is stopping it, so its exit is not a crash. */
  expectedExit: boolean;
  /** Sequence number of the first log line after its spawn (to read its own output). */
  firstSeq: number;
  /** Who had the supervisor stop it, and why (null while nobody did). */
  stop: { actor: Actor; reason: string } | null;
}

/**
 * Owns one backend process: starts it, probes its health, restarts it by the restart
 * policy, stops it with SIGTERM → SIGKILL escalation to its process group.
 * The state machine of one service: its command queue, its state and the transitions
 * allowed (src/shared/states.ts), and the restart policy's decisions. The parts it drives
 * each do one job: HealthMonitor (periodic probes), RemoteMonitor (remote mode),
 * ProcessGroup (stop with grace), PortCheck, pipeOutput (log-pipe.ts), IncidentRecorder,
 * PidRecordKeeper and waitForStart (startup-wait.ts).
 *
 * Commands (`start`, `stop`, `restart`) are serialised through one queue, so racing
 * commands from the UI, tray, REST and the policy never make two live backends. Every
 * state change goes through `setState`, which emits a `state` event naming the actor and
 * the reason. Durations use the injected clock's monotonic time.
 */
export class Supervisor extends EventEmitter<SupervisorEvents> {
  readonly instanceId: string;
  /** The service's name in the stack. */
  readonly name: string;
  // Not readonly: a reload replaces them in place (see reconfigure).
  private service: ServiceOptions;
  private readonly startGate: () => string | null;
  private hooks: ServiceHooks;
  private config: SupervisorConfig;
  private readonly launcher: Launcher;
  private prober: HealthProbe;
  private readonly logs: LogStore;
  private readonly clock: Clock;

  private state: BackendState = 'stopped';
  private stateReason = 'not started yet';
  private stateActor: Actor = 'process';
  private stateSince: Date;
  private child: ManagedChild | null = null;
  private generation = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private restartCount = 0;
  private consecutiveFailures = 0;
  private runningSinceMono: number | null = null;
  private lastExit: ExitInfo | null = null;
  private lastError: string | null = null;
  private backoffTimer: unknown = null;
  private backoffDueMono: number | null = null;
  private disposed = false;
  /** Set by {@link endRestarts}: a failure schedules no restart (a shutdown is under way). */
  private restartsEnded = false;
  /** The probes of the start under way (status `startup`); null when not starting. */
  private startupProbes: StartupProbes | null = null;
  /** Id of the failure run the restart policy is in: its incidents share it (`run_id`). */
  private failureRun: string | null = null;
  /** `firstSeq` of the last process spawned: an incident about it keeps only its own lines. */
  private lastSpawnFirstSeq: number | null = null;
  private readonly incidents: IncidentRecorder;
  private readonly pidRecord: PidRecordKeeper;
  /** What the pid record writes (the command, the stop timeout): kept to follow a reload. */
  private readonly pidOptions: PidRecordOptions;
  private ports: PortCheck;
  private readonly findPortOwner: (port: number) => Promise<PortOwner | null>;
  /** The remote monitor's target: kept to follow a reload. */
  private readonly remoteTarget: RemoteTarget;
  /** Aborts the running startup wait when a person stops mid-start. */
  private startAbort: AbortController | null = null;
  private readonly health: HealthMonitor;
  private readonly remote: RemoteMonitor;

  constructor(deps: SupervisorDeps) {
    super();
    this.config = deps.config;
    this.launcher = deps.launcher;
    this.prober = deps.probe;
    this.logs = deps.logs;
    this.clock = deps.clock ?? systemClock;
    this.instanceId = deps.instanceId ?? randomUUID();
    this.stateSince = this.clock.wallNow();
    this.startGate = deps.startGate ?? (() => null);
    this.hooks = deps.hooks ?? {};
    const url = new URL(this.config.healthCheckPath, this.config.backendUrl).toString();
    this.service = deps.service ?? {
      name: 'backend',
      health: { kind: 'http', url },
      healthTarget: url,
      restartPolicy: 'always',
      stopSignal: 'SIGTERM',
    };
    this.name = this.service.name;
    const { command, stopTimeoutMs } = this.config;
    this.pidOptions = { command, instanceId: this.instanceId, stopTimeoutMs };
    this.pidRecord = new PidRecordKeeper(deps.pidFile ?? null, this.pidOptions, this.logs, this.clock);
    this.incidents = new IncidentRecorder(this.name, this.logs, this.clock);
    const settings = healthSettingsOf(this.config);
    this.health = new HealthMonitor(this.clock, this.prober, this.healthTarget, settings, this.logs, {
      isCurrent: (generation) => this.isCurrent(generation),
      isUnhealthy: () => this.state === 'unhealthy',
      recovered: () => this.setState('running', 'health', 'health probe succeeded again'),
      failed: (generation, why) => this.onHealthFailed(generation, why),
      probed: (probe) => {
        this.rememberProbe(probe);
        this.emit('probe', probe);
      },
      getLastError: () => this.lastError,
      setLastError: (error) => (this.lastError = error),
    });
    this.remoteTarget = {
      ...this.remoteWhere(),
      probe: this.prober,
      timeoutMs: settings.timeoutMs,
    };
    this.remote = new RemoteMonitor(this.remoteTarget, this.health, {
      state: () => this.state,
      setState: (to, actor, reason) => this.setState(to, actor, reason),
      outage: (why) => this.recordIncident('remote-down', why, null, REMOTE_OUTAGE_ACTION),
      nextGeneration: () => ++this.generation,
    });
    this.findPortOwner = deps.findPortOwner ?? defaultFindPortOwner;
    this.ports = this.portCheck();
    this.launcher.onNotice?.((message) => this.logs.append('supervisor', message));
  }

  /**
   * Takes new settings in place (a reload): the health check, its timings, the restart
   * policy, the stop signal and grace, the kind's hooks. The process is left alone, its pid
   * unchanged: what reads them reads them at each use (the next probe, the next failure, the
   * next stop, the next spawn), and the scheduled probe is moved to the new interval. What
   * the process was spawned with (command, args, environment, folder, user) applies at its
   * next spawn: the stack stops it first when those changed (src/main/core/stack/stack-reload.ts).
   * `next.service.name` must be this service's name.
   */
  reconfigure(next: {
    config: SupervisorConfig;
    service: ServiceOptions;
    probe: HealthProbe;
    hooks?: ServiceHooks;
  }): void {
    if (next.service.name !== this.name) {
      throw new SupervisorError('UNKNOWN_SERVICE', `${this.name}: cannot take the settings of ${next.service.name}`);
    }
    this.config = next.config;
    this.service = next.service;
    this.prober = next.probe;
    this.hooks = next.hooks ?? {};
    const settings = healthSettingsOf(this.config);
    this.health.reconfigure(this.prober, this.healthTarget, settings);
    Object.assign(this.remoteTarget, {
      ...this.remoteWhere(),
      probe: this.prober,
      timeoutMs: settings.timeoutMs,
    });
    Object.assign(this.pidOptions, { command: this.config.command, stopTimeoutMs: this.config.stopTimeoutMs });
    this.ports = this.portCheck();
  }

  private portCheck(): PortCheck {
    return new PortCheck({
      name: this.name,
      health: this.service.health,
      target: this.healthTarget,
      probe: this.prober,
      findPortOwner: this.findPortOwner,
    });
  }

  /**
   * Where the remote watch looks (remote mode): what its first probe is given is the target
   * of the service's own check, as for the periodic probes (a `tcp` probe cannot read the
   * settings' health URL, nor is that URL the service's); the state reason names the backend
   * URL of an `http` check, else that target; a service with no check is not probed.
   */
  private remoteWhere(): Pick<RemoteTarget, 'backendUrl' | 'healthUrl' | 'checked'> {
    const { kind } = this.service.health;
    return {
      backendUrl: kind === 'http' ? this.config.backendUrl : this.service.healthTarget,
      healthUrl: this.healthTarget,
      checked: kind !== 'none',
    };
  }

  /** The health URL probed: backend URL + health path. */
  get healthUrl(): string {
    return new URL(this.config.healthCheckPath, this.config.backendUrl).toString();
  }

  /** What the health probe is given: the URL for `http`, else the check's display target. */
  get healthTarget(): string {
    return this.service.health.kind === 'http' ? this.service.health.url : this.service.healthTarget;
  }

  /** The service's health check kind and target, as the API shows them. */
  get healthCheck(): { kind: HealthSpec['kind']; target: string } {
    return { kind: this.service.health.kind, target: this.service.healthTarget };
  }

  /** The current state. */
  get currentState(): BackendState {
    return this.state;
  }

  /** The supervisor's settings, as validated. */
  get settings(): Readonly<SupervisorConfig> {
    return this.config;
  }

  /** Fraction of successful probes among the last 100 (1 when none ran yet). */
  get healthSuccessRate(): number {
    return this.health.successRate;
  }

  /** A status snapshot (seed 001 fields first). */
  status(): BackendStatus {
    const now = this.clock.monotonicMs();
    const local = this.config.orchestratorEnabled;
    const alive = this.child !== null && !this.child.handle.hasExited;
    // Remote mode has no process: its uptime is how long the remote backend has answered.
    const upSince = local
      ? alive && this.child
        ? this.child.startedAtMono
        : null
      : this.state === 'running'
        ? this.runningSinceMono
        : null;
    const uptimeMs = upSince === null ? 0 : now - upSince;
    // A probe of a process that is gone says nothing about the backend now.
    const health = local && !alive ? null : this.health.lastHealth;
    return {
      status: this.state,
      pid: alive && this.child ? this.child.handle.pid : null,
      uptime_secs: Math.max(0, Math.floor(uptimeMs / 1000)),
      restart_count: this.restartCount,
      last_health_check: health === null ? 'unknown' : health.ok ? 'healthy' : 'unhealthy',
      is_running: this.state === 'running' || this.state === 'unhealthy',
      orchestrator_enabled: this.config.orchestratorEnabled,
      backend_url: this.config.backendUrl,
      consecutive_failures: this.consecutiveFailures,
      last_health: health,
      last_exit: this.lastExit,
      last_error: this.lastError,
      state_reason: this.stateReason,
      state_actor: this.stateActor,
      state_since: this.stateSince.toISOString(),
      next_restart_in_ms:
        this.state === 'backoff' && this.backoffDueMono !== null
          ? Math.max(0, Math.round(this.backoffDueMono - now))
          : null,
      health_failures: health === null ? 0 : this.health.failures,
      startup: this.state === 'starting' && this.startupProbes ? { ...this.startupProbes } : null,
    };
  }

  /**
   * Starts the backend and waits until it is healthy, failed, or the startup budget ran
   * out. Already running: answers success without a second process. In remote mode,
   * starts health monitoring of the remote backend instead.
   */
  start(actor: Actor): Promise<CommandResult> {
    return this.enqueue(async () => {
      if (!this.config.orchestratorEnabled) {
        // A new watch, as a spawn clears it: the error of a process a reload replaced by the
        // watch (a switch of remote mode) says nothing of the remote backend.
        this.lastError = null;
        const watch = await this.remote.start(actor);
        return this.result(watch.ok, watch.message);
      }
      if (this.child && !this.child.handle.hasExited && this.state !== 'stopping') {
        return this.result(true, `backend is already ${this.state}`);
      }
      this.cancelBackoff();
      // A person starting it again gets a fresh set of attempts. The stack releasing it from
      // `waiting` does not: a hold cost no attempt, and must not hand out new ones either
      // (a flapping dependency would otherwise retry a broken dependent for ever).
      if (actor !== 'policy' && actor !== 'dependency') this.consecutiveFailures = 0;
      return this.spawnAndAwaitHealthy(actor, `start requested by ${actor}`);
    });
  }

  /** Stops the backend: SIGTERM to its group, SIGKILL after the stop timeout. Idempotent. */
  stop(actor: Actor): Promise<CommandResult> {
    this.startAbort?.abort();
    return this.enqueue(async () => {
      this.assertLocal();
      this.cancelBackoff();
      this.consecutiveFailures = 0;
      if (!this.child) {
        if (this.state !== 'stopped') this.setState('stopped', actor, `stop requested by ${actor}`);
        return this.result(true, 'backend is stopped');
      }
      await this.terminateChild(actor, `stop requested by ${actor}`);
      this.setState('stopped', actor, `stopped by ${actor}`);
      return this.result(true, 'Backend stopped successfully');
    });
  }

  /**
   * Stops what the service does in the mode it is in: its process, as {@link stop} does, or
   * in remote mode the watch of the remote backend (the periodic probe ends, a probe under
   * way is ignored); `stopped` either way. The stack's reload calls it before it hands over
   * new settings, so a reload that switches remote mode (ORCHESTRATOR_ENABLED) ends the old
   * mode's work and the next {@link start} begins the new one's. A person's stop in remote
   * mode stays refused (REMOTE_MODE).
   */
  halt(actor: Actor): Promise<CommandResult> {
    if (this.config.orchestratorEnabled) return this.stop(actor);
    this.startAbort?.abort();
    return this.enqueue(async () => {
      this.cancelBackoff();
      this.health.cancel();
      // The watch's generation ends: its health loop, if a probe of it is under way, stops there.
      this.generation++;
      if (this.state !== 'stopped') this.setState('stopped', actor, `watch of the remote backend ended by ${actor}`);
      return this.result(true, 'remote backend no longer watched');
    });
  }

  /**
   * Counts a restart made of a stop and a start from outside (the whole stack's restart),
   * as {@link restart} counts its own: `restart_count` and a `restart` event (manual).
   */
  countRestart(actor: Actor): void {
    this.restartCount++;
    this.emit('restart', { reason: 'manual', actor });
  }

  /** Stops the backend (if alive) and starts it again; counts as one restart. */
  restart(actor: Actor): Promise<CommandResult> {
    this.startAbort?.abort();
    return this.enqueue(async () => {
      this.assertLocal();
      this.cancelBackoff();
      if (actor !== 'policy') this.consecutiveFailures = 0;
      if (this.child) await this.terminateChild(actor, `restart requested by ${actor}`);
      this.restartCount++;
      this.emit('restart', { reason: 'manual', actor });
      const result = await this.spawnAndAwaitHealthy(actor, `restart requested by ${actor}`);
      return result.success ? { ...result, message: 'Backend restarted successfully' } : result;
    });
  }

  /**
   * Cuts short the startup wait under way, if any (its start answers "start cancelled by a
   * stop" and leaves the process to the stop queued next). The stack calls it before it
   * queues a stop, so the stop does not wait behind a long start.
   */
  cancelStart(): void {
    this.startAbort?.abort();
  }

  /**
   * Stops the process (if any) without counting a failure and waits in `waiting` with
   * `reason` (a dependency is not healthy). A later `start` by the stack releases it.
   * `fresh`: a person's start put it there, so its release gets a fresh set of attempts (as
   * that start would have). Remote mode: nothing to hold.
   */
  hold(reason: string, fresh = false): Promise<CommandResult> {
    this.startAbort?.abort();
    return this.enqueue(async () => {
      if (!this.config.orchestratorEnabled) return this.result(true, 'remote backend: nothing to hold');
      this.cancelBackoff();
      if (fresh) this.consecutiveFailures = 0;
      // Waiting may last (its dependency may never come up): a leftover of a supervisor that
      // died is stopped now, not at a spawn that may never come.
      await this.pidRecord.reapOnce();
      if (this.child) await this.terminateChild('dependency', reason);
      if (this.state !== 'waiting' || this.stateReason !== reason) this.setState('waiting', 'dependency', reason);
      return this.result(true, reason);
    });
  }

  /**
   * From now on a failure schedules no restart, and a pending one is cancelled: the stack
   * calls it on every service as its shutdown begins, since it stops a dependency only
   * after its dependents (one killed meanwhile, by a second signal say, must not come back
   * and then need its whole grace period to stop). {@link dispose} follows.
   */
  endRestarts(): void {
    this.restartsEnded = true;
    this.cancelBackoff();
  }

  /**
   * Stops everything for good (app quit): no restart is scheduled after this, the
   * backend is stopped with escalation. Resolves when the process group is gone.
   */
  async dispose(actor: Actor = 'app-quit'): Promise<void> {
    if (this.disposed) return this.queue.then(() => undefined);
    this.disposed = true;
    this.startAbort?.abort();
    this.cancelBackoff();
    this.health.cancel();
    await this.enqueue(async () => {
      if (this.child) {
        await this.terminateChild(actor, `shutting down (${actor})`);
        this.setState('stopped', actor, `stopped: ${actor}`);
      } else if (this.state !== 'stopped' && this.state !== 'crashed') {
        // A start cut short before its spawn, a wait for a dependency, a pending restart, a
        // process that died during the shutdown: none will come.
        this.setState('stopped', actor, `stopped: ${actor}`);
      }
      return this.result(true, 'disposed');
    }, true);
  }

  // ---------------------------------------------------------------- internals

  private enqueue(fn: () => Promise<CommandResult>, allowDisposed = false): Promise<CommandResult> {
    const run = async (): Promise<CommandResult> => {
      if (this.disposed && !allowDisposed) {
        throw new SupervisorError('DISPOSED', 'the supervisor is shutting down');
      }
      return fn();
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private assertLocal(): void {
    if (!this.config.orchestratorEnabled) {
      throw new SupervisorError(
        'REMOTE_MODE',
        'remote mode (ORCHESTRATOR_ENABLED=false): the backend runs elsewhere and cannot be started or stopped from here',
      );
    }
  }

  private result(success: boolean, message: string): CommandResult {
    const s = this.status();
    return { success, message, pid: s.pid, status: s.status, restart_count: s.restart_count };
  }

  private setState(to: BackendState, actor: Actor, reason: string): void {
    const from = this.state;
    if (!canTransition(from, to)) {
      // A defect, never a runtime condition (TRANSITIONS in src/shared/states.ts).
      throw new SupervisorError(
        'ILLEGAL_TRANSITION',
        `${this.name}: illegal state change ${from} → ${to} (${actor}: ${reason})`,
      );
    }
    this.state = to;
    this.stateActor = actor;
    this.stateReason = reason;
    this.stateSince = this.clock.wallNow();
    if (to === 'running' && from !== 'running') this.runningSinceMono = this.clock.monotonicMs();
    if (to !== 'running' && to !== 'unhealthy') this.runningSinceMono = null;
    if (to === 'starting' && from !== 'starting') {
      // A new process (or a new watch): the last one's probes do not describe it.
      this.startupProbes = { probes: 0, last: null };
      this.health.reset();
    }
    if (to !== 'starting') this.startupProbes = null;
    this.logs.append('supervisor', `state ${from} → ${to} (${actor}): ${reason}`);
    this.emit('state', {
      service: this.name,
      from,
      to,
      actor,
      reason,
      at: this.stateSince.toISOString(),
      status: this.status(),
    });
  }

  private launchSpec(): LaunchSpec {
    const cwd = this.config.workingDir ?? process.cwd();
    return {
      command: this.config.command,
      args: this.config.args,
      cwd,
      env: { ...process.env, ...this.config.env, SUPERVISOR_INSTANCE_ID: this.instanceId },
      ...(this.service.uid !== undefined ? { uid: this.service.uid } : {}),
      ...(this.service.gid !== undefined ? { gid: this.service.gid } : {}),
    };
  }

  /**
   * Spawns a process and waits for health (or, with a start gate closed, waits in
   * `waiting`). Runs inside the command queue.
   * @param afterOwnExit the policy restarts a child that just died: the port was ours, so
   * the pre-spawn "is someone else serving it?" probe is skipped (a stranger that took it
   * meanwhile is still caught by the EADDRINUSE exit check).
   */
  private async spawnAndAwaitHealthy(actor: Actor, reason: string, afterOwnExit = false): Promise<CommandResult> {
    const wait = this.startGate();
    if (wait !== null) {
      await this.pidRecord.reapOnce(); // as in `hold`: the spawn that would reap it may never come
      return this.waitForDependency(wait);
    }
    // Abortable from the moment the state says `starting`: a stop, hold or restart that
    // comes during the orphan check, the port check or the launch must not wait out the
    // whole startup behind it.
    const abort = new AbortController();
    this.startAbort = abort;
    try {
      return await this.spawnAndWait(actor, reason, afterOwnExit, abort.signal);
    } finally {
      if (this.startAbort === abort) this.startAbort = null;
    }
  }

  /** Runs a service kind's hook; null when it is absent or went well, else what failed, in words. */
  private async runHook(name: keyof ServiceHooks): Promise<string | null> {
    const hook = this.hooks[name];
    if (!hook) return null;
    try {
      await hook();
      return null;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return name === 'beforeSpawn' ? `cannot prepare ${this.name}: ${message}` : `ready, but ${message}`;
    }
  }

  /** A dependency is down: no spawn, no attempt spent; the stack starts it when it is back. */
  private waitForDependency(wait: string): CommandResult {
    if (this.state !== 'waiting' || this.stateReason !== wait) this.setState('waiting', 'dependency', wait);
    return this.result(false, `${this.name} is waiting: ${wait}`);
  }

  /** The body of {@link spawnAndAwaitHealthy}; `signal` aborts it (a stop came). */
  private async spawnAndWait(
    actor: Actor,
    reason: string,
    afterOwnExit: boolean,
    signal: AbortSignal,
  ): Promise<CommandResult> {
    this.lastError = null;
    this.setState('starting', actor, reason);
    await this.pidRecord.reapOnce();
    const held = afterOwnExit ? null : await this.ports.heldBySomeoneElse();
    if (held) return this.giveUpAtOnce('port-in-use', actor, held, null);
    // Asked again right before the spawn: a stop or a dependency going down meanwhile wins.
    if (signal.aborted) return this.result(false, 'start cancelled by a stop');
    const gateNow = this.startGate();
    if (gateNow !== null) return this.waitForDependency(gateNow);
    const before = await this.runHook('beforeSpawn');
    if (before !== null) {
      this.lastError = before;
      this.afterFailure('failed-start', before, { pid: null, exit: null, uptimeMs: null });
      return this.result(false, `Backend failed to start: ${before}`);
    }
    let handle: ChildHandle;
    try {
      handle = await this.launcher.launch(this.launchSpec());
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof SupervisorError && err.transient) {
        // Out of fds or processes now: the restart policy retries it like a failed start.
        this.lastError = message;
        this.afterFailure('failed-start', message, { pid: null, exit: null, uptimeMs: null });
        return this.result(false, `Backend failed to start: ${message}`);
      }
      // Permanent: a missing or non-executable binary does not get better with retries.
      return this.giveUpAtOnce('launch-error', actor, message, null);
    }
    const managed = this.adopt(handle);
    this.pidRecord.write(handle);
    this.logs.append(
      'supervisor',
      `spawned pid ${handle.pid}: ${this.config.command} ${this.config.args.join(' ')}`.trim(),
    );

    if (this.service.health.kind === 'none') {
      // No health check: alive means ready (Compose's service_started); no periodic probes.
      this.pidRecord.write(handle, true);
      this.setState('running', actor, 'spawned (no health check: alive means ready)');
      return this.result(true, `${this.name} started`);
    }
    const outcome = await waitForStart(
      {
        clock: this.clock,
        probe: this.prober,
        url: this.healthTarget,
        startedAtMono: managed.startedAtMono,
        startupTimeoutMs: this.config.startupTimeoutMs,
        healthCheckTimeoutMs: this.config.healthCheckTimeoutMs,
        exited: handle.exited,
        signal,
        onFailedProbe: (p) => this.rememberProbe(p),
      },
      handle.pid,
    );

    switch (outcome.kind) {
      case 'healthy': {
        const after = await this.runHook('afterHealthy');
        if (after !== null) {
          this.lastError = after;
          await this.terminateChild('policy', after);
          this.afterFailure('failed-start', after, this.failureOf(managed, null));
          return this.result(false, `Backend failed to start: ${after}`);
        }
        this.pidRecord.write(handle, true);
        this.health.record(outcome.probe);
        this.setState(
          'running',
          actor,
          `healthy after ${Math.round(this.clock.monotonicMs() - managed.startedAtMono)} ms`,
        );
        this.health.schedule(managed.generation);
        return this.result(true, 'Backend started successfully');
      }
      case 'cancelled':
        // A stop or restart is queued behind us and will finish the job.
        return this.result(false, 'start cancelled by a stop');
      case 'exited': {
        const info = this.failureOf(managed, outcome.exit);
        if (looksLikePortInUse(outcome.exit, this.logs.tail(200), managed.firstSeq)) {
          const why = await this.ports.whyPortInUse(describeExit(outcome.exit));
          this.child = null;
          this.pidRecord.remove();
          return this.giveUpAtOnce('port-in-use', actor, why, info);
        }
        const why = `exited during start (${describeExit(outcome.exit)})`;
        this.lastError = why;
        this.afterFailure('failed-start', why, info);
        return this.result(false, `Backend failed to start: ${why}`);
      }
      case 'timeout': {
        const { why } = outcome;
        this.lastError = why;
        await this.terminateChild('policy', why);
        this.afterFailure('failed-start', why, this.failureOf(managed, null));
        return this.result(false, `Backend failed to start: ${why}`);
      }
    }
  }

  /** Wraps a fresh handle: output into the log store, exit into `onChildExit`. */
  private adopt(handle: ChildHandle): ManagedChild {
    const managed: ManagedChild = {
      handle,
      generation: ++this.generation,
      startedAtMono: this.clock.monotonicMs(),
      expectedExit: false,
      firstSeq: this.logs.nextSeq,
      stop: null,
    };
    this.child = managed;
    this.lastSpawnFirstSeq = managed.firstSeq;
    pipeOutput(handle, this.logs);
    void handle.exited.then((exit) => this.onChildExit(managed, exit));
    return managed;
  }

  private onChildExit(managed: ManagedChild, exit: ProcessExit): void {
    const info: ExitInfo = {
      code: exit.code,
      signal: exit.signal,
      at: this.clock.wallNow().toISOString(),
      expected: managed.expectedExit,
      stopped_by: managed.stop?.actor ?? null,
      stop_reason: managed.stop?.reason ?? null,
    };
    this.lastExit = info;
    this.emit('exit', { ...info, pid: managed.handle.pid });
    this.logs.append(
      'supervisor',
      `pid ${managed.handle.pid} ${describeExit(exit)}${managed.expectedExit ? '' : ' (unexpected)'}`,
    );
    if (this.child !== managed) return;
    // During start the startup wait owns the outcome; during a stop, the stop does.
    if (managed.expectedExit || this.state === 'starting' || this.state === 'stopping') return;
    this.health.cancel();
    if (exit.code === 0 && this.service.restartPolicy !== 'always') {
      // Done, not failed: `on-failure` and `no` leave a clean exit alone (Compose's meaning).
      if (managed.handle.groupAlive()) managed.handle.signalGroup('SIGKILL');
      this.child = null;
      this.pidRecord.remove();
      this.setState('stopped', 'process', `exited with code 0 (restart policy ${this.service.restartPolicy})`);
      return;
    }
    const why = `exited unexpectedly (${describeExit(exit)})`;
    this.lastError = why;
    // It could not bind its port, so the health answers it passed on were another process's
    // (a stack service configured on the same port, a stranger): the restart checks the port
    // first, and gives up at once if someone else serves it.
    const portTaken = looksLikePortInUse(exit, this.logs.tail(200), managed.firstSeq);
    this.afterFailure('crash', why, this.failureOf(managed, exit), portTaken);
  }

  /** What is known of `managed` (null: no process) for an incident: its pid, its exit, how long it ran now. */
  private failureOf(managed: ManagedChild | null, exit: ProcessExit | null): FailureInfo {
    const uptimeMs = managed ? this.clock.monotonicMs() - managed.startedAtMono : null;
    return { pid: managed?.handle.pid ?? null, exit, uptimeMs };
  }

  /**
   * Applies the restart policy after a failure (unexpected exit, failed start, confirmed
   * hang — the process is already gone): schedule a restart in `backoff`, or give up in
   * `crashed`. `recheckPort`: the restart checks first whether another process serves the
   * port (the exit looked like a taken port).
   */
  private afterFailure(kind: IncidentKind, why: string, info: FailureInfo, recheckPort = false): void {
    const dead = this.child?.handle;
    if (dead?.hasExited) {
      // The leader is gone; a leftover of its group (a worker holding the port) would
      // make the next start fail, so it goes too.
      if (dead.groupAlive()) dead.signalGroup('SIGKILL');
      this.child = null;
    }
    if (!this.child) this.pidRecord.remove();
    if (this.disposed || this.restartsEnded) return;
    const ranMs = this.runningSinceMono === null ? 0 : this.clock.monotonicMs() - this.runningSinceMono;
    if (ranMs >= this.config.restartResetAfterMs) this.consecutiveFailures = 0;
    this.consecutiveFailures++;
    // The first failure after a good run (or a person's command) opens a new run.
    if (this.consecutiveFailures === 1 || this.failureRun === null) this.failureRun = randomUUID();
    const decision = decideRestart(this.config, this.consecutiveFailures);
    if (decision.action === 'give-up') {
      this.recordIncident(kind, why, info, decision.reason);
      this.setState('crashed', 'policy', `${why}; ${decision.reason}`);
      return;
    }
    const { attempt, delayMs } = decision;
    const action = `restart attempt ${attempt}/${this.config.maxRestartAttempts} in ${delayMs} ms`;
    this.recordIncident(kind, why, info, action);
    this.backoffDueMono = this.clock.monotonicMs() + delayMs;
    this.setState('backoff', 'policy', `${why}; ${action}`);
    const restartNow = (): void => {
      this.backoffTimer = null;
      void this.enqueue(async () => {
        // A person may have stopped or started it meanwhile: then the policy steps back.
        if (this.state !== 'backoff' || this.disposed || this.restartsEnded)
          return this.result(false, 'restart no longer wanted');
        this.restartCount++;
        this.emit('restart', { reason: kind, actor: 'policy' });
        return this.spawnAndAwaitHealthy(
          'policy',
          `restart attempt ${attempt}/${this.config.maxRestartAttempts}`,
          !recheckPort,
        );
      }).catch(() => undefined);
    };
    // The first restart is immediate: no timer turn in between.
    if (delayMs === 0) restartNow();
    else this.backoffTimer = this.clock.setTimeout(restartNow, delayMs);
  }

  private cancelBackoff(): void {
    if (this.backoffTimer !== null) this.clock.clearTimeout(this.backoffTimer);
    this.backoffTimer = null;
    this.backoffDueMono = null;
  }

  /**
   * Stops the current child: SIGTERM to the group, wait up to the stop timeout for the
   * whole group to go, then SIGKILL to the group. Leaves `this.child` null.
   */
  private async terminateChild(actor: Actor, reason: string): Promise<void> {
    const managed = this.child;
    if (!managed) return;
    this.health.cancel();
    managed.expectedExit = true;
    managed.stop ??= { actor, reason };
    const { handle } = managed;
    if (handle.hasExited && !handle.groupAlive()) {
      this.child = null;
      this.pidRecord.remove();
      return;
    }
    this.setState('stopping', actor, reason);
    // The signal each further one follows, and the wait after it (the grace, then each step's).
    let after: { signal: NodeJS.Signals; ms: number } = {
      signal: this.service.stopSignal,
      ms: this.config.stopTimeoutMs,
    };
    const outcome = await ProcessGroup.ofChild(handle, this.clock).stop({
      signal: this.service.stopSignal,
      graceMs: this.config.stopTimeoutMs,
      escalation: this.service.stopEscalation ?? [],
      onEscalate: (next) => {
        this.logs.append(
          'supervisor',
          `pid ${handle.pid} still alive ${after.ms} ms after ${after.signal}: sending ${next} to its process group`,
        );
        after = { signal: next, ms: ESCALATION_STEP_MS };
      },
    });
    if (outcome === 'stuck') {
      this.lastError = `process group ${handle.pid} survived SIGKILL for ${KILL_GRACE_MS} ms`;
      this.logs.append('supervisor', this.lastError);
    }
    this.child = null;
    this.pidRecord.remove();
  }

  // -------------------------------------------------------------- incidents

  private rememberProbe(probe: HealthCheckResult): void {
    const kept = this.incidents.rememberProbe(probe);
    // While starting, every probe is a startup probe: the status shows them as they come.
    if (this.state === 'starting' && this.startupProbes) {
      this.startupProbes = { probes: this.startupProbes.probes + 1, last: kept };
    }
  }

  private recordIncident(kind: IncidentKind, why: string, info: FailureInfo | null, action: string): void {
    const { lastSpawnFirstSeq: spawnFirstSeq, consecutiveFailures, failureRun } = this;
    this.emit(
      'incident',
      this.incidents.record(kind, why, info, action, { spawnFirstSeq, consecutiveFailures, failureRun }),
    );
  }

  /** A failure no retry can mend (port held by another process, executable cannot run). */
  private giveUpAtOnce(kind: IncidentKind, actor: Actor, why: string, info: FailureInfo | null): CommandResult {
    this.lastError = why;
    // Met by a policy restart (its port taken meanwhile): the run's next attempt, not a repeat of the last.
    if (this.consecutiveFailures > 0) this.consecutiveFailures++;
    this.recordIncident(kind, why, info, 'none: retrying cannot help; fix the cause and start again');
    this.setState('crashed', actor, why);
    return this.result(false, why);
  }

  // ------------------------------------------------------------ health loop

  private isCurrent(generation: number): boolean {
    return (
      !this.disposed &&
      (this.config.orchestratorEnabled ? this.child?.generation === generation : this.generation === generation) &&
      (this.state === 'running' || this.state === 'unhealthy')
    );
  }

  /** The health loop confirmed a failure: `unhealthy`; with auto-restart, a hang to stop and restart (remote: RemoteMonitor). */
  private onHealthFailed(generation: number, why: string): void {
    if (!this.config.orchestratorEnabled) return this.remote.failed(generation, why);
    if (this.state !== 'unhealthy') this.setState('unhealthy', 'health', why);
    if (!this.config.autoRestart) {
      this.health.schedule(generation);
      return;
    }
    // Hung but alive: stop it with escalation, then let the policy restart it.
    void this.enqueue(async () => {
      if (!this.isCurrent(generation)) return this.result(false, 'hang already handled');
      this.lastError = why;
      const info = this.failureOf(this.child, null);
      await this.terminateChild('policy', `${why}: restarting`);
      this.afterFailure('hang', why, info);
      return this.result(true, 'hang handled');
    }).catch(() => undefined);
  }
}

/** "exited with code 1" / "was killed by SIGKILL". */
export function describeExit(exit: ProcessExit): string {
  if (exit.signal) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.code ?? 'unknown'}`;
}
