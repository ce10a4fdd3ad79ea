import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { readSmallFile } from './small-file';

/** Longest wait for the leftovers to be gone after SIGKILL, ms (an exit takes milliseconds; a process in a disk wait longer). */
export const LEFTOVER_EXIT_WAIT_MS = 5_000;

/** Poll step of that wait, ms. */
const POLL_MS = 20;

/** What {@link reapLeftoverServers} needs. */
export interface LeftoverServersOptions {
  /** The cluster (PGDATA). */
  clusterDir: string;
  /** The `postgres` executable the service runs. */
  postgres: string;
  /** Longest wait for them to exit, ms (default {@link LEFTOVER_EXIT_WAIT_MS}). */
  exitWaitMs?: number;
}

/**
 * Kills the server processes a dead postmaster left running on `clusterDir` (Linux; elsewhere
 * it does nothing) and waits, up to `exitWaitMs`, for them to be gone. Why: every child of a
 * postmaster runs in a session of its own (PostgreSQL calls setsid), so the SIGKILL the
 * supervisor sends to a dead postmaster's process group misses them. An idle child exits
 * when it sees its postmaster gone, but one busy in a statement lives on to the statement's
 * end, attached to the old shared memory block, and every new postmaster refuses to start
 * meanwhile ("pre-existing shared memory block … is still in use"): the restarts run out and
 * the service gives up. A leftover is a live process whose working directory is the cluster
 * and whose executable is `postgres`; while the server named in `postmaster.pid` is such a
 * process (a server runs on the cluster, a single-user one included), nothing is touched:
 * its start then fails on PostgreSQL's own lock file, as it should.
 * @returns the pids it sent SIGKILL to (empty when there were none).
 */
export async function reapLeftoverServers(options: LeftoverServersOptions): Promise<number[]> {
  if (process.platform !== 'linux') return [];
  let cluster: string;
  let executable: string;
  try {
    cluster = realpathSync(options.clusterDir);
    executable = realpathSync(options.postgres);
  } catch {
    return []; // no cluster yet, or no binary: nothing can run on it
  }
  const servers = serversOn(cluster, executable);
  if (servers.length === 0) return [];
  const postmaster = postmasterPidOf(cluster);
  if (postmaster !== null && servers.includes(postmaster)) return [];
  const killed: number[] = [];
  for (const pid of servers) {
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // gone meanwhile (ESRCH), or not ours to signal (EPERM): its start fails as before
    }
  }
  const deadline = performance.now() + (options.exitWaitMs ?? LEFTOVER_EXIT_WAIT_MS);
  while (!killed.every(hasExited) && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return killed;
}

/** Live processes running `executable` in `cluster` (a zombie has no cwd and is not one). */
function serversOn(cluster: string, executable: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return entries
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => pid !== process.pid && runsOn(pid, cluster, executable));
}

function runsOn(pid: number, cluster: string, executable: string): boolean {
  try {
    if (readlinkSync(`/proc/${pid}/cwd`) !== cluster) return false;
    // A binary replaced while it runs reads "<path> (deleted)".
    return readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '') === executable;
  } catch {
    return false; // gone, or another user's that we may not read
  }
}

/**
 * True once `pid` is gone or a zombie (its memory, and so its hold on the shared memory
 * block, released). Read from /proc/<pid>/stat: its working directory goes a moment before
 * its state says it ended.
 */
function hasExited(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: the state follows it.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return true;
  }
}

/** Longest postmaster.pid read, bytes: PostgreSQL writes 8 short lines and two paths. */
const POSTMASTER_PID_MAX_BYTES = 16_384;

/**
 * The pid on the first line of `<cluster>/postmaster.pid`, or null (no file, not a plain
 * file, or not a pid). A single-user server (`postgres --single`, an administrator's
 * maintenance session) writes its pid negated: it is that server's all the same. The
 * cluster is the unprivileged user's: a FIFO there must not hang the supervisor, a link to
 * /dev/zero not swell it.
 */
function postmasterPidOf(cluster: string): number | null {
  const text = readSmallFile(join(cluster, 'postmaster.pid'), POSTMASTER_PID_MAX_BYTES);
  const pid = Math.abs(Number(text?.split('\n')[0]));
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}
