import type { Clock } from './clock';
import type { ChildHandle } from './launcher';
import type { LogStore } from './log-store';
import { reapOrphan } from './orphan-reaper';
import { pidRecordFor, type PidFile } from './pid-file';

/** What a {@link PidRecordKeeper} writes into each record and how it stops an orphan. */
export interface PidRecordOptions {
  /** The backend's command, as configured (its executable is recorded). */
  command: string;
  /** The supervisor instance that spawned it (`SUPERVISOR_INSTANCE_ID`). */
  instanceId: string;
  /** SIGTERM → SIGKILL delay when an orphan is stopped, ms (STOP_TIMEOUT). */
  stopTimeoutMs: number;
}

/**
 * Keeps one service's pid file (pid-file.ts): the live backend's identity written at its
 * spawn and again once healthy, removed when it is gone; and, once, before the first spawn,
 * the orphan a supervisor that died left behind is reaped (orphan-reaper.ts). With no pid
 * file (null) every call does nothing. Never throws: a write that fails is logged, a
 * removal that fails is left (a stale file is checked by identity at the next start).
 */
export class PidRecordKeeper {
  private reaped = false;

  constructor(
    private readonly pidFile: PidFile | null,
    private readonly options: PidRecordOptions,
    private readonly logs: LogStore,
    private readonly clock: Clock,
  ) {}

  /** At the first call only: stops a backend group left alive by a supervisor that died. */
  async reapOnce(): Promise<void> {
    if (this.reaped) return;
    this.reaped = true;
    const { pidFile, logs, clock } = this;
    await reapOrphan({ pidFile, logs, clock, stopTimeoutMs: this.options.stopTimeoutMs });
  }

  /** Records the backend's identity; `running`: it is healthy now, so /proc tells its program. */
  write(handle: ChildHandle, running = false): void {
    if (!this.pidFile) return;
    const { command, instanceId } = this.options;
    try {
      this.pidFile.write(pidRecordFor(handle, command, instanceId, running, this.clock.wallNow()));
    } catch (err) {
      this.logs.append('supervisor', `cannot write the pid file ${this.pidFile.path}: ${(err as Error).message}`);
    }
  }

  /** Removes the record (the backend is gone). */
  remove(): void {
    try {
      this.pidFile?.remove();
    } catch {
      /* best effort: a stale file is checked by identity at the next start */
    }
  }
}
