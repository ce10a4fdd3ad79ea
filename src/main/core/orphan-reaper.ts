import type { Clock } from './clock';
import type { LogStore } from './log-store';
import { MIN_SIGNALLABLE_PID, processStartTime, type PidFile, type PidRecord } from './pid-file';
import { KILL_GRACE_MS, ProcessGroup } from './process-group';
import { compareStartTimes, groupMembers, processEnvVar, readProcStat, runsExecutable } from './process-identity';

/** Kept here too: the reaper's callers and tests know it from this module. */
export { signalGroupSafely } from './process-group';
/** The variable through which a backend knows (and /proc tells) the supervisor that spawned it. */
export const INSTANCE_ID_VARIABLE = 'SUPERVISOR_INSTANCE_ID';

/** What the reaper needs from its supervisor. */
export interface OrphanReaperDeps {
  pidFile: PidFile | null;
  logs: LogStore;
  clock: Clock;
  /** SIGTERM → SIGKILL delay, ms (the supervisor's STOP_TIMEOUT). */
  stopTimeoutMs: number;
}

/**
 * What a pid file's record describes now:
 * - `leader`: the recorded backend itself is alive and every recorded field matches it;
 * - `members`: the leader is gone, but processes of its group live on (`pids`), started
 *   after it, and at least one carries the recorded instance id while none carries another;
 * - `gone`: nothing of it is left (or its pid is another process now);
 * - `refused`: something does not match; the group is never signalled (`why` says what).
 */
export type RecordVerdict =
  | { kind: 'leader'; pgid: number }
  | { kind: 'members'; pgid: number; pids: number[] }
  | { kind: 'gone'; why: string }
  | { kind: 'refused'; why: string };

/**
 * Pids a record must never name, whatever else matches: this process, its parent, and the
 * groups of both (a supervisor started by another supervisor carries an instance id too).
 */
function ownProcesses(): Set<number> {
  const own = new Set([process.pid, process.ppid]);
  for (const pid of [process.pid, process.ppid]) {
    const pgrp = readProcStat(pid)?.pgrp;
    if (pgrp !== undefined) own.add(pgrp);
  }
  return own;
}

/**
 * Compares every field of `record` with the live system (Linux /proc). Prefers refusing to
 * act over killing a stranger: anything unreadable or unexpected is `refused`.
 */
export function judgeRecord(record: PidRecord): RecordVerdict {
  const { pid, pgid, start_time: startTime, instance_id: instanceId } = record;
  if (pgid < MIN_SIGNALLABLE_PID || pid < MIN_SIGNALLABLE_PID) {
    return { kind: 'refused', why: `pid ${pid} / process group ${pgid} cannot be ours` };
  }
  if (pgid !== pid) {
    return { kind: 'refused', why: `process group ${pgid} is not led by pid ${pid}, as a backend's always is` };
  }
  const own = ownProcesses();
  if (own.has(pgid)) return { kind: 'refused', why: `pid ${pid} is this supervisor, its parent or its group` };
  if (startTime === null) return { kind: 'refused', why: `no start time was recorded for pid ${pid}` };
  const leader = readProcStat(pid);
  if (leader && leader.state !== 'Z') {
    // While any member of group N lives, pid N cannot be reused: a pid N that started at
    // another time means our group is gone and N is a stranger now.
    if (leader.startTime !== startTime) return { kind: 'gone', why: `pid ${pid} is another process now` };
    if (leader.pgrp !== pgid) {
      return { kind: 'refused', why: `pid ${pid} is in process group ${leader.pgrp}, not the recorded ${pgid}` };
    }
    if (!runsExecutable(pid, record.executable)) {
      return { kind: 'refused', why: `pid ${pid} does not run the recorded ${record.executable}` };
    }
    const id = processEnvVar(pid, INSTANCE_ID_VARIABLE);
    // Unreadable (another user's process): its instance cannot be told, so it is not ours to kill.
    if (id !== instanceId) {
      return {
        kind: 'refused',
        why:
          id === undefined
            ? `the environment of pid ${pid} cannot be read: cannot tell it was started by supervisor instance ${instanceId}`
            : `pid ${pid} was not started by supervisor instance ${instanceId} (its ${INSTANCE_ID_VARIABLE} is ${id ?? 'unset'})`,
      };
    }
    return { kind: 'leader', pgid };
  }
  const members = groupMembers(pgid).filter((m) => compareStartTimes(m.startTime, startTime) >= 0);
  if (members.length === 0) return { kind: 'gone', why: `pid ${pid} and its process group are gone` };
  let confirmed = false;
  for (const member of members) {
    const id = processEnvVar(member.pid, INSTANCE_ID_VARIABLE);
    if (id === instanceId) confirmed = true;
    else if (typeof id === 'string') {
      return {
        kind: 'refused',
        why: `pid ${member.pid} of process group ${pgid} belongs to supervisor instance ${id}, not ${instanceId}`,
      };
    }
  }
  if (!confirmed) {
    return {
      kind: 'refused',
      why: `no process of group ${pgid} carries ${INSTANCE_ID_VARIABLE}=${instanceId}: cannot tell it is ours`,
    };
  }
  return { kind: 'members', pgid, pids: members.map((m) => m.pid) };
}

/** True while the supervisor that wrote `record` seems to run (another one on the same data folder). */
function writerStillRuns(record: PidRecord): boolean {
  if (record.supervisor_pid === process.pid) return false;
  const now = processStartTime(record.supervisor_pid);
  if (now === null) return false;
  // A recorded start time tells a reused supervisor pid apart; older records cannot.
  return record.supervisor_start_time === undefined || record.supervisor_start_time === now;
}

/**
 * At the first start: what a supervisor that died left behind (its pid file names a group
 * whose identity still matches: the backend itself, or members of its group that outlived
 * it) is stopped, the whole group, SIGTERM then SIGKILL after the stop timeout. Anything
 * that does not match is left alone and said so in the log (judgeRecord).
 */
export async function reapOrphan(deps: OrphanReaperDeps): Promise<void> {
  const { pidFile, logs, clock } = deps;
  if (!pidFile) return;
  const record = pidFile.read((why) => logs.append('supervisor', `${why}: ignored`));
  if (!record) return;
  const verdict = judgeRecord(record);
  if (verdict.kind !== 'gone' && writerStillRuns(record)) {
    logs.append(
      'supervisor',
      `pid ${record.pid} may belong to a supervisor still running (pid ${record.supervisor_pid}): left alone`,
    );
    return;
  }
  if (verdict.kind === 'gone' || verdict.kind === 'refused') {
    logs.append('supervisor', `pid file names pid ${record.pid}: ${verdict.why}: left alone`);
    pidFile.remove();
    return;
  }
  const { pgid } = verdict;
  logs.append(
    'supervisor',
    verdict.kind === 'leader'
      ? `found backend pid ${record.pid} left by a previous supervisor: stopping its process group`
      : `found pids ${verdict.pids.join(', ')} of process group ${pgid} left by a previous supervisor (its leader is gone): stopping them`,
  );
  const outcome = await ProcessGroup.ofPgid(pgid, clock).stop({ signal: 'SIGTERM', graceMs: deps.stopTimeoutMs });
  if (outcome === 'stuck') logs.append('supervisor', `process group ${pgid} survived SIGKILL for ${KILL_GRACE_MS} ms`);
  pidFile.remove();
}
