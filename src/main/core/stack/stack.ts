import { EventEmitter } from 'node:events';
import type { Incident } from '../../../shared/incident';
import type { ServiceStatus, StackCommandResult } from '../../../shared/services';

export type { StackCommandResult };
import type { Actor, BackendState } from '../../../shared/states';
import type { CommandResult, LogLine, StateChangeEvent } from '../../../shared/status';
import { SupervisorError } from '../errors';
import type { LogLines, LogStore } from '../log-store';
import type { Supervisor } from '../supervisor';
import type { Dependency, ServiceDefinition } from './service-definition';

/** One service of a running stack: its definition, its supervisor and its log. */
export interface StackMember {
  definition: ServiceDefinition;
  supervisor: Supervisor;
  logs: LogStore;
}

/** Events of the stack: every service's state changes, incidents and log lines. */
export interface StackEvents {
  state: [StateChangeEvent];
  incident: [Incident];
  line: [LogLine];
  /** The lines of one read at a time (see LogStore): what to follow when the pace matters. */
  lines: [LogLines];
  /** A reload added or removed services (the metrics follow them). */
  members: [{ added: StackMember[]; removed: string[] }];
}

/**
 * What a reload changes in a running stack (planned and built by stack-reload.ts; carried out
 * by {@link Stack.reconfigure}). Every name is a service of the stack before, except `add`'s.
 */
export interface StackChange {
  /** The services' names in their new order: the kept ones and the added ones. */
  order: readonly string[];
  /** Stopped for good and taken out of the stack. */
  remove: readonly string[];
  /**
   * Given their new definition: `apply` hands the settings to the supervisor
   * (Supervisor.reconfigure). `restart`: stopped first, and started again afterwards unless it
   * was stopped (its command, arguments, environment, folder or user changed); else in place.
   */
  update: readonly { name: string; definition: ServiceDefinition; restart: boolean; apply: () => void }[];
  /** New services, built like the others (their supervisor's start gate asks {@link Stack.gateOf}); started. */
  add: readonly StackMember[];
}

/** States in which a wanted service that a dependency no longer supports is held (stopped into `waiting`). */
const HOLDABLE: ReadonlySet<BackendState> = new Set(['starting', 'running', 'unhealthy', 'backoff']);
/** States past which a start will not come by itself: the wait for them is over. */
const SETTLED: ReadonlySet<BackendState> = new Set(['running', 'crashed', 'stopped']);

/**
 * Owns the services of a stack and their dependency graph (README "Several services").
 *
 * - Start: every wanted service starts once each of its dependencies meets its condition
 *   (`service_started`: spawned; `service_healthy`: running); independent ones in parallel.
 * - A `service_healthy` dependency that goes down takes its wanted dependents to `waiting`
 *   (`Supervisor.hold`: no attempt counted); they start again once it is healthy.
 * - Stop: dependents first (escalating), then what they depend on.
 *
 * Commands go through one queue per stack; every spawn also passes its supervisor's start
 * gate (the dependency check made inside that supervisor's own queue), so racing commands
 * never make two live copies of a service (one queue per supervisor) nor spawn a dependent
 * while its dependency is not up. A stop does not wait behind a start: it cancels the
 * startup waits of the services it stops before it queues.
 */
export class Stack extends EventEmitter<StackEvents> {
  private readonly members: Map<string, StackMember>;
  private readonly order: string[];
  /** The services that should be up (a person's or the stack's start); the reconciler acts only for them. */
  private readonly wanted = new Set<string>();
  /**
   * Services a reconfigure removes, restarts or adds, while it does: a kept service's
   * `service_healthy` dependency on them does not hold it (which stopped a process the plan
   * keeps: "restarts that service only"). A removed one is no dependency of a kept one any
   * more (the new file, validated, names none); a restarted or added one is on its way up:
   * once its start has answered, a failed one holds them.
   */
  private readonly settling = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;
  /** Wakes the waits of running stack commands when a state or `wanted` changes. */
  private readonly changed = new EventEmitter();
  /** Each member's listeners, to take them off when a reload removes it. */
  private readonly detachers = new Map<StackMember, () => void>();
  /** Forwards a member's `line` events (attached only while someone listens to the stack's). */
  private readonly forwardLine = (line: LogLine): void => void this.emit('line', line);

  /**
   * @param members the services in file order, each with its supervisor built with
   *   {@link Stack.gateFor} as its start gate. Names must be unique and the graph acyclic
   *   (the stack file's loader checks both).
   */
  constructor(members: StackMember[]) {
    super();
    this.changed.setMaxListeners(0);
    this.members = new Map(members.map((m) => [m.definition.name, m]));
    this.order = members.map((m) => m.definition.name);
    for (const member of members) this.attach(member);
    // A `line` event costs an object per line: the members build them only while someone listens here.
    const events = this as EventEmitter;
    events.on('newListener', (event: string | symbol) => {
      if (event === 'line' && this.listenerCount('line') === 0) {
        for (const m of this.members.values()) m.logs.on('line', this.forwardLine);
      }
    });
    events.on('removeListener', (event: string | symbol) => {
      if (event === 'line' && this.listenerCount('line') === 0) {
        for (const m of this.members.values()) m.logs.off('line', this.forwardLine);
      }
    });
  }

  /** Follows a member's state changes, incidents and log lines; {@link detach} undoes it. */
  private attach(member: StackMember): void {
    const onState = (event: StateChangeEvent): void => {
      this.emit('state', event);
      this.reconcile();
      this.changed.emit('change');
    };
    const onIncident = (incident: Incident): void => void this.emit('incident', incident);
    const onLines = (lines: LogLines): void => void this.emit('lines', lines);
    member.supervisor.on('state', onState);
    member.supervisor.on('incident', onIncident);
    member.logs.on('lines', onLines);
    if (this.listenerCount('line') > 0) member.logs.on('line', this.forwardLine);
    this.detachers.set(member, () => {
      member.supervisor.off('state', onState);
      member.supervisor.off('incident', onIncident);
      member.logs.off('lines', onLines);
      member.logs.off('line', this.forwardLine);
    });
  }

  private detach(member: StackMember): void {
    this.detachers.get(member)?.();
    this.detachers.delete(member);
  }

  /**
   * The start gate of service `name` over the stack as it is now (a reload may have changed
   * the dependencies): the first dependency that does not meet its condition, in words, or
   * null. A dependency that is not (or no longer) in the stack counts as stopped.
   */
  gateOf(name: string): string | null {
    return Stack.gateFor(
      this.definitions(),
      name,
      (service) => this.members.get(service)?.supervisor.currentState ?? 'stopped',
    )();
  }

  /**
   * Carries out a reload's change (see {@link StackChange}), in one turn of the stack's queue
   * so no command runs in the middle of it: the removed services and those to restart are
   * stopped (dependents first), the new definitions applied, the removed taken out, the added
   * put in; then the restarted services that were not stopped and the added ones are started in
   * dependency order (their dependencies too, as `startService` does). The others keep their
   * process. Resolves with the stops and starts made, and which of those to restart a
   * person's stop kept stopped (their new settings wait for their next start).
   * @throws SupervisorError DISPOSED when the stack is shutting down.
   */
  reconfigure(change: StackChange, actor: Actor): Promise<StackCommandResult & { keptStopped: string[] }> {
    const restarting = change.update.filter((u) => u.restart).map((u) => u.name);
    // What was wanted now: the interrupt below forgets it.
    const wantedBefore = new Set(restarting.filter((name) => this.wanted.has(name)));
    this.interrupt([...change.remove, ...restarting]);
    return this.enqueue(async () => {
      // Started again: what was wanted, or is not stopped (a one-service serve starts its
      // supervisor directly; a crashed one gets its fix tried). A person's stop is kept: read
      // in the queue's turn, when a stop queued before the reload (still under way as it
      // came, the service `stopping`) has ended.
      const rewanted = restarting.filter(
        (name) => wantedBefore.has(name) || this.member(name).supervisor.currentState !== 'stopped',
      );
      const removing = new Set(change.remove);
      const settling = [...removing, ...restarting, ...change.add.map((m) => m.definition.name)];
      for (const name of settling) this.settling.add(name);
      try {
        return await this.carryOut(change, actor, removing, restarting, rewanted);
      } finally {
        for (const name of settling) this.settling.delete(name);
        // An added dependency that did not come up now holds what depends on it.
        this.reconcile();
      }
    });
  }

  /** {@link reconfigure}'s part in the queue: the stops, the new definitions, the starts. */
  private async carryOut(
    change: StackChange,
    actor: Actor,
    removing: ReadonlySet<string>,
    restarting: readonly string[],
    rewanted: readonly string[],
  ): Promise<StackCommandResult & { keptStopped: string[] }> {
    const stops = await this.stopInOrder([...change.remove, ...restarting], async (sup) => {
      // `halt`: a reload that switches remote mode ends a remote watch as it stops a process.
      if (!removing.has(sup.name)) return { ...(await sup.halt(actor)), service: sup.name };
      sup.endRestarts();
      await sup.dispose(actor);
      return { ...this.resultOf(sup, `${sup.name} removed`), success: true, service: sup.name };
    });
    // A shutdown began meanwhile: it stops what it found; nothing new may join after it.
    if (this.disposed) throw new SupervisorError('DISPOSED', 'the supervisor is shutting down');
    for (const { name, definition, apply } of change.update) {
      this.member(name).definition = definition;
      apply();
    }
    for (const name of change.remove) {
      this.detach(this.member(name));
      this.members.delete(name);
      this.wanted.delete(name);
    }
    for (const member of change.add) {
      this.members.set(member.definition.name, member);
      this.attach(member);
    }
    this.order.splice(0, this.order.length, ...change.order);
    if (change.add.length > 0 || change.remove.length > 0) {
      this.emit('members', { added: [...change.add], removed: [...change.remove] });
    }
    const starting = [...rewanted, ...change.add.map((m) => m.definition.name)];
    for (const name of starting) {
      for (const dep of this.dependenciesOf(name)) this.wanted.add(dep);
      this.wanted.add(name);
    }
    // New dependencies may hold or release services that keep their process.
    this.reconcile();
    this.changed.emit('change');
    // Each service stopped and started again by the reload counts one restart (`restart_count`,
    // `backend_restarts_total`), as `pm2 reload` counts its own; one kept stopped counts none.
    for (const name of rewanted) this.member(name).supervisor.countRestart(actor);
    const names = [...new Set(starting.flatMap((name) => [...this.dependenciesOf(name), name]))];
    const starts = await Promise.all(names.map((name) => this.startWhenReady(name, actor)));
    const keptStopped = restarting.filter((name) => !rewanted.includes(name));
    return { ...this.summary([...stops, ...starts.filter((r) => r !== null)]), keptStopped };
  }

  /**
   * The start gate of service `name` for its supervisor: the first dependency that does not
   * meet its condition, in words ("db is not healthy"), or null when all do.
   */
  static gateFor(
    definitions: readonly ServiceDefinition[],
    name: string,
    stateOf: (service: string) => BackendState,
  ): () => string | null {
    const deps = definitions.find((d) => d.name === name)?.dependsOn ?? [];
    return () => {
      for (const dep of deps) {
        if (!conditionMet(dep, stateOf(dep.service))) return unmetReason(dep);
      }
      return null;
    };
  }

  /** The primary service's supervisor (the one the seed's `/api/v1/admin/backend/*` routes act on). */
  get primary(): Supervisor {
    const member =
      [...this.members.values()].find((m) => m.definition.primary) ?? this.members.get(this.order[0] ?? '');
    if (!member) throw new SupervisorError('UNKNOWN_SERVICE', 'the stack has no services');
    return member.supervisor;
  }

  /** The primary service's name. */
  get primaryName(): string {
    return this.primary.name;
  }

  /** Service names in file order. */
  get names(): readonly string[] {
    return this.order;
  }

  /** Every member, in file order. */
  get all(): StackMember[] {
    return this.order.map((name) => this.member(name));
  }

  /**
   * One service.
   * @throws SupervisorError UNKNOWN_SERVICE naming it and the services there are.
   */
  member(name: string): StackMember {
    const member = this.members.get(name);
    if (!member) {
      throw new SupervisorError(
        'UNKNOWN_SERVICE',
        `no service ${JSON.stringify(name)} in the stack (services: ${this.order.join(', ')})`,
      );
    }
    return member;
  }

  /** The status of one service, with its name, dependencies and health check. @throws as {@link member}. */
  serviceStatus(name: string): ServiceStatus {
    const { definition, supervisor } = this.member(name);
    return {
      ...supervisor.status(),
      name,
      primary: supervisor === this.primary,
      depends_on: definition.dependsOn.map((d) => ({ service: d.service, condition: d.condition })),
      health_check: supervisor.healthCheck,
    };
  }

  /** Every service's status, in file order. */
  list(): ServiceStatus[] {
    return this.order.map((name) => this.serviceStatus(name));
  }

  /** Starts the whole stack in dependency order; resolves once each service is up or has settled. */
  start(actor: Actor): Promise<StackCommandResult> {
    return this.startServices(this.order, actor);
  }

  /** Stops the whole stack, dependents first; resolves when every process is gone. */
  stop(actor: Actor): Promise<StackCommandResult> {
    return this.stopServices(this.order, actor);
  }

  /**
   * Stops the whole stack, then starts it again: one restart of each service (its
   * `restart_count` and `backend_restarts_total` count it, as a restart of that service alone does).
   */
  async restart(actor: Actor): Promise<StackCommandResult> {
    const stopped = await this.stop(actor);
    for (const name of this.order) this.member(name).supervisor.countRestart(actor);
    const started = await this.start(actor);
    return { ...started, success: stopped.success && started.success };
  }

  /** Starts one service, and first what it depends on (as `docker compose up <service>`). */
  startService(name: string, actor: Actor): Promise<StackCommandResult> {
    this.member(name);
    return this.startServices([...this.dependenciesOf(name), name], actor);
  }

  /**
   * Stops one service. Its `service_healthy` dependents go to `waiting` (they start again
   * when it is healthy); its `service_started` dependents are left alone.
   */
  stopService(name: string, actor: Actor): Promise<StackCommandResult> {
    this.member(name);
    return this.stopServices([name], actor);
  }

  /** Restarts one service (counted as its restart); what depends on it waits meanwhile. */
  restartService(name: string, actor: Actor): Promise<StackCommandResult> {
    const { supervisor } = this.member(name);
    for (const dep of this.dependenciesOf(name)) this.wanted.add(dep);
    this.wanted.add(name);
    return this.enqueue(async () => {
      for (const dep of this.dependenciesOf(name)) {
        const state = this.member(dep).supervisor.currentState;
        if (state === 'stopped' || state === 'crashed') await this.member(dep).supervisor.start(actor);
      }
      const result = await supervisor.restart(actor);
      return this.summary([{ ...result, service: name }]);
    });
  }

  /**
   * `verb` on one service, answered in the seed's command shape (its own result out of the
   * stack command's): what `/api/v1/admin/backend/*` and `/api/v1/services/<name>/*` answer.
   * @throws SupervisorError UNKNOWN_SERVICE, DISPOSED.
   */
  async command(name: string, verb: 'start' | 'stop' | 'restart', actor: Actor): Promise<CommandResult> {
    const { supervisor } = this.member(name);
    const run = verb === 'start' ? this.startService : verb === 'stop' ? this.stopService : this.restartService;
    const result = await run.call(this, name, actor);
    const own = result.services.find((s) => s.service === name);
    if (own) {
      const { service: _service, ...rest } = own;
      return rest;
    }
    return { ...this.resultOf(supervisor, result.message), success: result.success };
  }

  /** Stops every service for good (app quit), dependents first; no restart follows. Idempotent. */
  async dispose(actor: Actor = 'app-quit'): Promise<void> {
    if (this.disposed) {
      await this.queue;
      return;
    }
    this.disposed = true;
    for (const name of this.order) this.member(name).supervisor.endRestarts();
    this.interrupt(this.order);
    await this.stopInOrder(this.order, (sup) => sup.dispose(actor).then(() => null));
  }

  // ---------------------------------------------------------------- internals

  private enqueue<T extends StackCommandResult>(fn: () => Promise<T>): Promise<T> {
    const run = (): Promise<T> => {
      if (this.disposed) return Promise.reject(new SupervisorError('DISPOSED', 'the supervisor is shutting down'));
      return fn();
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private startServices(names: readonly string[], actor: Actor): Promise<StackCommandResult> {
    for (const name of names) this.wanted.add(name);
    return this.enqueue(async () => {
      const results = await Promise.all(names.map((name) => this.startWhenReady(name, actor)));
      return this.summary(results.filter((r) => r !== null));
    });
  }

  /**
   * Waits until each dependency of `name` meets its condition (or can no longer), then starts
   * it. Shown as `waiting` meanwhile. Null when it was no longer wanted by then.
   */
  private async startWhenReady(name: string, actor: Actor): Promise<(CommandResult & { service: string }) | null> {
    const { supervisor } = this.member(name);
    const gate = this.gateFn(name);
    const first = gate();
    const state = supervisor.currentState;
    // A live service whose only unmet dependencies are `service_started` ones is left alone,
    // as the reconciler leaves it (README: "service_started dependents are left alone"); a
    // start must not stop it only to start it again.
    const down = this.healthyDependencyDown(name);
    const alive = state === 'starting' || state === 'running' || state === 'unhealthy';
    if (first !== null && state !== 'waiting' && (down || !alive)) {
      // A person's (or the app's) start: the release from `waiting` gets fresh attempts.
      await supervisor.hold(down ? unmetReason(down) : first, actor !== 'policy');
    }
    await this.until(() => !this.wanted.has(name) || gate() === null || this.blockedForGood(name));
    if (!this.wanted.has(name)) return null;
    // Blocked for good: this start puts it in `waiting` with the reason (the gate says it).
    const result = await supervisor.start(actor);
    if (result.success) return { ...result, service: name };
    // A dependent put in `waiting`: a later recovery of its dependency starts it (reconcile).
    // A remote backend found down is an outage the watch goes on with: its start has answered.
    if (!supervisor.settings.orchestratorEnabled && supervisor.currentState === 'unhealthy') {
      return { ...this.resultOf(supervisor, result.message), service: name };
    }
    await this.until(() => !this.wanted.has(name) || SETTLED.has(supervisor.currentState) || this.blockedForGood(name));
    return { ...this.resultOf(supervisor, result.message), service: name };
  }

  private stopServices(names: readonly string[], actor: Actor): Promise<StackCommandResult> {
    this.interrupt(names);
    return this.enqueue(async () => {
      const results = await this.stopInOrder(names, async (sup) => ({ ...(await sup.stop(actor)), service: sup.name }));
      return this.summary(results.filter((r) => r !== null));
    });
  }

  /**
   * Runs `stop` on each of `names` once all of its dependents among `names` are done, in
   * parallel where the graph allows: the reverse of the start order.
   */
  private async stopInOrder<T>(names: readonly string[], stop: (sup: Supervisor) => Promise<T>): Promise<T[]> {
    const chosen = new Set(names);
    const done = new Map<string, Promise<T>>();
    const stopOne = (name: string): Promise<T> => {
      let promise = done.get(name);
      if (!promise) {
        const dependents = this.dependentsOf(name).filter((d) => chosen.has(d));
        promise = Promise.all(dependents.map(stopOne)).then(() => stop(this.member(name).supervisor));
        done.set(name, promise);
      }
      return promise;
    };
    return Promise.all(names.map(stopOne));
  }

  /** No longer wanted, and their startup waits cut short: a stop never queues behind a long start. */
  private interrupt(names: readonly string[]): void {
    for (const name of names) {
      this.wanted.delete(name);
      this.member(name).supervisor.cancelStart();
    }
    this.changed.emit('change');
  }

  /**
   * Follows the dependencies: a wanted service whose `service_healthy` dependency is not
   * running is held in `waiting`; a waiting one whose dependencies are all met is started.
   * Runs on every state change of any service.
   */
  private reconcile(): void {
    if (this.disposed) return;
    for (const name of this.wanted) {
      const { supervisor } = this.member(name);
      const state = supervisor.currentState;
      const down = this.healthyDependencyDown(name);
      if (down && HOLDABLE.has(state)) {
        void supervisor.hold(unmetReason(down)).catch(() => undefined);
      } else if (state === 'waiting' && this.gateOf(name) === null) {
        void supervisor.start('dependency').catch(() => undefined);
      }
    }
  }

  /** The first `service_healthy` dependency of `name` that is not running, if any. */
  private healthyDependencyDown(name: string): Dependency | undefined {
    return this.member(name).definition.dependsOn.find(
      (d) =>
        d.condition === 'service_healthy' && !this.settling.has(d.service) && !conditionMet(d, this.stateOf(d.service)),
    );
  }

  /**
   * True when a dependency `name` waits for will not come up by itself soon: crashed,
   * stopped, not wanted, `unhealthy` (an outage may last: a command must not wait on it for
   * ever; the reconciler still starts `name` once it is healthy), or blocked so itself.
   */
  private blockedForGood(name: string, seen = new Set<string>()): boolean {
    if (seen.has(name)) return false;
    seen.add(name);
    for (const dep of this.member(name).definition.dependsOn) {
      const state = this.stateOf(dep.service);
      if (conditionMet(dep, state)) continue;
      if (!this.wanted.has(dep.service) || state === 'crashed' || state === 'stopped' || state === 'unhealthy') {
        return true;
      }
      if (state === 'waiting' && this.blockedForGood(dep.service, seen)) return true;
    }
    return false;
  }

  /** Resolves once `done()` holds, checked at every state change and `wanted` change. */
  private until(done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (!done()) return;
        this.changed.off('change', check);
        resolve();
      };
      this.changed.on('change', check);
    });
  }

  private gateFn(name: string): () => string | null {
    return () => this.gateOf(name);
  }

  private definitions(): ServiceDefinition[] {
    return this.all.map((m) => m.definition);
  }

  private stateOf(name: string): BackendState {
    return this.member(name).supervisor.currentState;
  }

  /** Direct dependents of `name` (any condition). */
  private dependentsOf(name: string): string[] {
    return this.order.filter((n) => this.member(n).definition.dependsOn.some((d) => d.service === name));
  }

  /** Every service `name` depends on, directly or not, dependencies first. */
  private dependenciesOf(name: string): string[] {
    const out: string[] = [];
    const visit = (n: string): void => {
      for (const dep of this.member(n).definition.dependsOn) {
        if (out.includes(dep.service)) continue;
        visit(dep.service);
        if (!out.includes(dep.service)) out.push(dep.service);
      }
    };
    visit(name);
    return out;
  }

  private resultOf(supervisor: Supervisor, message: string): CommandResult {
    const s = supervisor.status();
    return { success: s.status === 'running', message, pid: s.pid, status: s.status, restart_count: s.restart_count };
  }

  private summary(services: (CommandResult & { service: string })[]): StackCommandResult {
    const failed = services.filter((s) => !s.success);
    return {
      success: failed.length === 0,
      message:
        failed.length === 0
          ? services.map((s) => `${s.service}: ${s.status}`).join(', ') || 'nothing to do'
          : failed.map((s) => `${s.service}: ${s.message}`).join('; '),
      services,
    };
  }
}

/** True when a dependency in `state` meets `dep.condition`. */
function conditionMet(dep: Dependency, state: BackendState): boolean {
  if (dep.condition === 'service_healthy') return state === 'running';
  return state === 'starting' || state === 'running' || state === 'unhealthy';
}

/** "db is not healthy" / "db is not started". */
function unmetReason(dep: Dependency): string {
  return `${dep.service} is not ${dep.condition === 'service_healthy' ? 'healthy' : 'started'}`;
}
