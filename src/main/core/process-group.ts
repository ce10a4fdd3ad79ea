import type { Clock } from './clock';
import type { ChildHandle } from './launcher';
import { MIN_SIGNALLABLE_PID } from './pid-file';
import { groupMembers } from './process-identity';

/** Poll step while waiting for the rest of a process group to go, ms. */
const GROUP_POLL_MS = 25;
/** How long to wait for a group to vanish after SIGKILL before reporting it stuck, ms. */
export const KILL_GRACE_MS = 5_000;

/**
 * Sends `signal` to process group `pgid`; refuses (returns false) for a pgid below
 * MIN_SIGNALLABLE_PID, which would mean every process (kill(-1)) or our own group. A group
 * already gone is not an error (true).
 */
export function signalGroupSafely(pgid: number, signal: NodeJS.Signals | 0): boolean {
  if (!Number.isInteger(pgid) || pgid < MIN_SIGNALLABLE_PID) return false;
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') return false;
  }
  return true;
}

/**
 * Poll step while waiting for a group whose leader has ended to empty, before the group
 * keeper lets go of it (its pgid cannot be reused before), ms.
 */
export const GROUP_RELEASE_POLL_MS = 50;

/** True while any process of group `pgid` exists (zombies included: they still pin the pgid). */
export function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** How a {@link ProcessGroup.stop} ended. */
export type GroupStopOutcome =
  /** Gone within the grace after the stop signal. */
  | 'stopped'
  /** Gone after SIGKILL. */
  | 'killed'
  /** Still there {@link KILL_GRACE_MS} after SIGKILL (a process in uninterruptible sleep). */
  | 'stuck';

/** What {@link ProcessGroup.stop} is told. */
export interface GroupStopOptions {
  /** The first signal (the service's stop signal; SIGTERM by default). */
  signal: NodeJS.Signals;
  /** How long the group may take to go after `signal` before the next signal, ms (STOP_TIMEOUT). */
  graceMs: number;
  /**
   * Signals sent in turn after the grace and before SIGKILL, each followed by a wait of
   * {@link ESCALATION_STEP_MS} (PostgreSQL: SIGQUIT, its immediate shutdown). Default none.
   */
  escalation?: readonly NodeJS.Signals[];
  /** Called just before each further signal is sent (to log it first). */
  onEscalate?: (signal: NodeJS.Signals) => void;
}

/**
 * How long the group may take to go after each {@link GroupStopOptions.escalation} signal,
 * ms: longer than PostgreSQL's own wait for its children after SIGQUIT before it SIGKILLs
 * them (PostgreSQL docs, "Shutting Down the Server": 5 seconds), so that it can. Its children
 * run in sessions of their own, out of reach of a SIGKILL to its group: one sent at that same
 * moment kills the postmaster only, and leaves a stuck child running after the stop.
 */
export const ESCALATION_STEP_MS = 7_000;

/**
 * One process group: signal it, ask whether any of it lives, stop it with grace
 * (stop signal → wait for the whole group → SIGKILL → wait). A child's stop and the orphan
 * reaper both stop their group through it. Waits run on the injected clock.
 */
export class ProcessGroup {
  /**
   * @param send sends a signal to every member (a group already gone is not an error).
   * @param isAlive true while any member lives.
   * @param leaderExited resolves when the leader exits, when one is held (a child); the
   *   wait for the group then first races it against the deadline.
   */
  constructor(
    private readonly clock: Clock,
    private readonly send: (signal: NodeJS.Signals) => void,
    private readonly isAlive: () => boolean,
    private readonly leaderExited: Promise<unknown> | null = null,
  ) {}

  /** The group of a child this supervisor spawned (its handle signals and watches it). */
  static ofChild(handle: ChildHandle, clock: Clock): ProcessGroup {
    return new ProcessGroup(
      clock,
      (signal) => handle.signalGroup(signal),
      () => handle.groupAlive(),
      handle.exited,
    );
  }

  /**
   * A group known by its id alone (left by a supervisor that died). Zombies are not
   * counted as alive: they hold nothing and only their parent (init) can clear them.
   * Signals go through {@link signalGroupSafely}.
   */
  static ofPgid(pgid: number, clock: Clock): ProcessGroup {
    return new ProcessGroup(
      clock,
      (signal) => void signalGroupSafely(pgid, signal),
      () => groupMembers(pgid).length > 0,
    );
  }

  /** Sends `signal` to the whole group. */
  signal(signal: NodeJS.Signals): void {
    this.send(signal);
  }

  /** True while any process of the group lives. */
  alive(): boolean {
    return this.isAlive();
  }

  /**
   * Waits until the leader (if held) has exited and no process of the group is left, or
   * `ms` pass; true when it went.
   */
  async waitGone(ms: number): Promise<boolean> {
    const deadline = this.clock.monotonicMs() + ms;
    const leader = this.leaderExited;
    if (leader) {
      const timeout = new Promise<'timeout'>((resolve) => {
        const h = this.clock.setTimeout(() => resolve('timeout'), ms);
        void leader.then(() => this.clock.clearTimeout(h));
      });
      if ((await Promise.race([leader.then(() => 'exited' as const), timeout])) === 'timeout') return false;
    }
    // The leader is gone; grandchildren may linger in the group.
    while (this.isAlive()) {
      if (this.clock.monotonicMs() >= deadline) return false;
      await new Promise<void>((resolve) => this.clock.setTimeout(resolve, GROUP_POLL_MS));
    }
    return true;
  }

  /**
   * Stops the group: `signal`, wait up to `graceMs` for all of it to go, then each
   * `escalation` signal with its wait, then SIGKILL and wait up to {@link KILL_GRACE_MS}.
   * Never throws; the outcome says how it ended ('killed': gone after any further signal).
   */
  async stop(options: GroupStopOptions): Promise<GroupStopOutcome> {
    this.send(options.signal);
    if (await this.waitGone(options.graceMs)) return 'stopped';
    for (const signal of options.escalation ?? []) {
      options.onEscalate?.(signal);
      this.send(signal);
      if (await this.waitGone(ESCALATION_STEP_MS)) return 'killed';
    }
    options.onEscalate?.('SIGKILL');
    this.send('SIGKILL');
    return (await this.waitGone(KILL_GRACE_MS)) ? 'killed' : 'stuck';
  }
}
