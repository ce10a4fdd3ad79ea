/**
 * A reload: re-reads the settings and the stack file and applies them to the running stack
 * without restarting the supervisor (README "Reloading the settings"), one at a time. Probe
 * and restart settings apply in place, a changed command, arguments, environment, folder or
 * user restarts that service only, added services start and removed ones stop; a file that
 * does not validate changes nothing.
 */
import { createHash } from 'node:crypto';
import type { SupervisorConfig } from '../../../shared/config';
import type { ReloadOptions, ReloadResult } from '../../../shared/reload';
import type { Actor } from '../../../shared/states';
import { ConfigError, SupervisorError } from '../errors';
import { SettingsError, SettingsFileError } from '../settings/settings-errors';
import type { ServiceDefinition } from './service-definition';
import type { Stack, StackChange, StackMember } from './stack';
import { canonical, keepRunningValues, planReload, primaryOf, type StackSnapshot } from './stack-reload-plan';

/**
 * A digest (sha256, hex) of what the files gave a reload: its config and services, objects'
 * keys sorted (functions, the hooks, left out as JSON leaves them). The same files give the
 * same digest.
 */
export function fingerprintOf(read: StackSnapshot): string {
  return createHash('sha256').update(canonical(read)).digest('hex');
}

/** How the runtime builds and re-sets services (runtime.ts); each may throw ConfigError (a `user` with no uid). */
export interface ServiceFactory {
  /**
   * A new member: its log file, probe and supervisor, not started; its log file and buffer
   * as `config` (the reload's new settings) sets them, so one added with a new log folder
   * is opened there.
   */
  build(service: ServiceDefinition, config: SupervisorConfig): StackMember;
  /**
   * Prepares `service`'s new settings for its member: checked and built now (its probe, its
   * user's ids), handed to the supervisor when the returned function runs.
   */
  prepare(member: StackMember, service: ServiceDefinition): () => void;
  /** Frees what {@link build} made for a member the reload removed (its log file, its probe). */
  release(name: string): void;
}

/** What a {@link StackReloader} needs. */
export interface ReloadDeps {
  stack: Stack;
  /**
   * The config and stack the files give now, read whole (`running`: the stack that runs, so
   * a port chosen at the start is kept).
   * @throws SettingsError (SETTINGS_FILE_INVALID, STACK_FILE_INVALID) or ConfigError (read as
   * the stack file's) naming every problem (`file:line: field: problem`).
   */
  load(running: StackSnapshot): Promise<StackSnapshot>;
  factory: ServiceFactory;
  /** The stack as it runs now (at the start: what the entry loaded). */
  running: StackSnapshot;
  /**
   * Applies the settings of `config` that belong to no one service (the log folder, files and
   * buffer), before the services' changes; must not throw.
   */
  settings?: (config: SupervisorConfig) => void;
  /** Told of each reload carried out, with the snapshot that now runs. */
  applied?: (now: StackSnapshot) => void;
}

/**
 * Runs reloads, one at a time: a second one asked for while one runs is refused with
 * RELOAD_IN_PROGRESS (a dry run too: it would read files the reload is about to apply).
 */
export class StackReloader {
  private running: StackSnapshot;
  private busy = false;
  /** Settles when the reload under way has answered (null when none runs). */
  private inFlight: Promise<void> | null = null;
  /** The one reload waiting for the one under way ({@link reloadAfter}). */
  private waiting: Promise<ReloadResult> | null = null;

  constructor(private readonly deps: ReloadDeps) {
    this.running = deps.running;
  }

  /** The stack as it runs (after the last reload). */
  get current(): StackSnapshot {
    return this.running;
  }

  /**
   * Reads the files, plans, and (unless `dryRun`) carries the plan out.
   * @throws SettingsError STACK_FILE_INVALID (every problem, a line each) or
   * SETTINGS_FILE_INVALID: nothing changed; SupervisorError RELOAD_IN_PROGRESS, DISPOSED,
   * RELOAD_PLAN_CHANGED (`expect` is not what the files give now: nothing changed).
   */
  async reload(options: ReloadOptions = {}, actor: Actor = 'reload'): Promise<ReloadResult> {
    if (this.busy) {
      throw new SupervisorError('RELOAD_IN_PROGRESS', 'a reload is under way: ask again once it has answered');
    }
    this.busy = true;
    const run = this.run(options.dryRun ?? false, options.expect, actor);
    this.inFlight = run.then(
      () => undefined,
      () => undefined,
    );
    try {
      return await run;
    } finally {
      this.busy = false;
      this.inFlight = null;
    }
  }

  /**
   * A reload that reads the files after this call (SIGHUP): at once when none runs, else once
   * the one under way has answered (it may have read the files before they changed). Calls
   * while one waits share it: at most one waits, so a storm of them runs at most two, and the
   * files' last content is applied.
   * @returns the answer of the reload that read the files after this call.
   * @throws as {@link reload}, never RELOAD_IN_PROGRESS.
   */
  reloadAfter(actor: Actor = 'reload'): Promise<ReloadResult> {
    if (!this.busy) return this.reload({}, actor);
    this.waiting ??= (async () => {
      // Another caller (the API) may start one between two turns: wait that out too.
      while (this.inFlight) await this.inFlight;
      this.waiting = null;
      return this.reload({}, actor);
    })();
    return this.waiting;
  }

  private async run(dryRun: boolean, expect: string | undefined, actor: Actor): Promise<ReloadResult> {
    const before = this.running;
    const read = await this.read(before);
    const fingerprint = fingerprintOf(read);
    if (expect !== undefined && expect !== fingerprint) {
      throw new SupervisorError(
        'RELOAD_PLAN_CHANGED',
        'the settings or the stack file changed since the plan was shown: nothing applied (look at the new plan)',
      );
    }
    const plan = planReload(before, read);
    const primary = primaryOf(before.definition);
    if (primary !== undefined && plan.services.some((s) => s.service === primary && s.action === 'stop')) {
      throw new SettingsError(
        'STACK_FILE_INVALID',
        `${read.definition.file ?? 'the stack'}: has no service ${primary}, the primary one: a reload cannot remove it (restart the supervisor to apply this stack)`,
      );
    }
    if (dryRun) {
      // As the reload would do it: one stopped (by a person) is not restarted, its settings wait for its next start.
      const stopped = (name: string): boolean => this.deps.stack.member(name).supervisor.currentState === 'stopped';
      const services = plan.services.map((s) =>
        s.action === 'restart' && stopped(s.service) ? { ...s, action: 'update' as const } : s,
      );
      return { ...plan, services, applied: false, result: null, fingerprint };
    }
    const after = keepRunningValues(before, read);
    const change = this.changeOf(after, plan.services);
    // After the parts are built (one that fails changes nothing), before anything stops.
    this.deps.settings?.(after.config);
    let outcome;
    try {
      outcome = await this.deps.stack.reconfigure(change, actor);
    } catch (err) {
      // Not carried out (the stack is shutting down): what was built for it goes.
      for (const member of change.add) this.deps.factory.release(member.definition.name);
      throw err;
    }
    for (const name of change.remove) this.deps.factory.release(name);
    this.running = after;
    this.deps.applied?.(after);
    const { keptStopped, ...result } = outcome;
    // One a person had stopped was not restarted: its new settings were applied in place, for its next start.
    const services = plan.services.map((s) =>
      keptStopped.includes(s.service) ? { ...s, action: 'update' as const } : s,
    );
    for (const s of services) {
      if (s.action === 'unchanged' || s.action === 'stop') continue;
      const what = s.action === 'start' ? 'added' : `${s.changes.join(', ')} changed`;
      const done = s.action === 'update' ? 'applied in place' : s.action === 'restart' ? 'restarted' : 'started';
      this.deps.stack.member(s.service).logs.append('supervisor', `reload (${actor}): ${what}: ${done}`);
    }
    return { ...plan, services, applied: true, result, fingerprint };
  }

  /** The files' stack, or the problems as the settings channels' errors. */
  private async read(before: StackSnapshot): Promise<StackSnapshot> {
    try {
      return await this.deps.load(before);
    } catch (err) {
      if (err instanceof SettingsFileError) throw new SettingsError('SETTINGS_FILE_INVALID', err.message, err.field);
      if (err instanceof ConfigError) throw new SettingsError('STACK_FILE_INVALID', err.message);
      throw err;
    }
  }

  /**
   * The stack change of a plan, every part built before anything stops: a service whose new
   * settings cannot be used (a `user` with no uid) throws here and nothing changes.
   */
  private changeOf(after: StackSnapshot, services: ReloadResult['services']): StackChange {
    const next = new Map(after.definition.services.map((s) => [s.name, s]));
    const update: StackChange['update'][number][] = [];
    const add: StackMember[] = [];
    try {
      for (const s of services) {
        const definition = next.get(s.service);
        if (!definition) continue;
        if (s.action === 'start') {
          add.push(this.deps.factory.build(definition, after.config));
        } else if (s.action === 'update' || s.action === 'restart') {
          const member = this.deps.stack.member(s.service);
          const apply = this.deps.factory.prepare(member, definition);
          update.push({ name: s.service, definition, restart: s.action === 'restart', apply });
        }
      }
    } catch (err) {
      for (const member of add) this.deps.factory.release(member.definition.name);
      if (err instanceof ConfigError) throw new SettingsError('STACK_FILE_INVALID', err.message);
      throw err;
    }
    const remove = services.filter((s) => s.action === 'stop').map((s) => s.service);
    return { order: after.definition.services.map((s) => s.name), remove, update, add };
  }
}
