import type { Clock } from './clock';
import type { LogStore } from './log-store';
import { processStartTime, recordMatchesLiveProcess, type PidFile } from './pid-file';

/** Poll step while waiting for a leftover process group to go, ms. */
const GROUP_POLL_MS = 25;
/** How long to wait for a group to vanish after SIGKILL before giving up on it, ms. */
const KILL_GRACE_MS = 5_000;

/** What the reaper needs from its supervisor. */
export interface OrphanReaperDeps {
  pidFile: PidFile | null;
  logs: LogStore;
  clock: Clock;
  /** SIGTERM → SIGKILL delay, ms (the supervisor's STOP_TIMEOUT). */
  stopTimeoutMs: number;
}

/**
 * At the first start: a backend left alive by a supervisor that died (pid file present,
 * identity matching a live process) is stopped, its whole group, with escalation. A pid
 * that now belongs to another process is left alone.
 */
export async function reapOrphan(deps: OrphanReaperDeps): Promise<void> {
  const { pidFile, logs, clock } = deps;
  if (!pidFile) return;
  const record = pidFile.read((why) => logs.append('supervisor', `${why}: ignored`));
  if (!record) return;
  if (
    record.supervisor_pid !== process.pid &&
    processStartTime(record.supervisor_pid) !== null &&
    recordMatchesLiveProcess(record)
  ) {
    // Its supervisor seems alive: another instance on the same data folder owns it.
    logs.append(
      'supervisor',
      `pid ${record.pid} may belong to a supervisor still running (pid ${record.supervisor_pid}): left alone`,
    );
    return;
  }
  if (!recordMatchesLiveProcess(record)) {
    logs.append('supervisor', `pid file names pid ${record.pid}, which is gone or now another process: left alone`);
    pidFile.remove();
    return;
  }
  logs.append(
    'supervisor',
    `found backend pid ${record.pid} left by a previous supervisor: stopping its process group`,
  );
  const alive = (): boolean => {
    try {
      process.kill(-record.pgid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  };
  const waitGone = async (ms: number): Promise<boolean> => {
    const deadline = clock.monotonicMs() + ms;
    while (alive()) {
      if (clock.monotonicMs() >= deadline) return false;
      await new Promise<void>((resolve) => clock.setTimeout(resolve, GROUP_POLL_MS));
    }
    return true;
  };
  try {
    process.kill(-record.pgid, 'SIGTERM');
  } catch {
    /* gone already */
  }
  if (!(await waitGone(deps.stopTimeoutMs))) {
    try {
      process.kill(-record.pgid, 'SIGKILL');
    } catch {
      /* gone already */
    }
    await waitGone(KILL_GRACE_MS);
  }
  pidFile.remove();
}
