import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readProcStat } from './process-identity';

/** The shell that runs the keeper (POSIX; dash on Debian: about 1 MB resident). */
const KEEPER_SHELL = '/bin/sh';

/** The keeper's `$0`, so `ps` shows what it is. */
export const KEEPER_NAME = 'backend-supervisor-keeper';

/**
 * Wait before respawning a keeper that died while groups were held, ms: long enough that a
 * keeper failing at once (no shell, no fds) cannot make a spawn loop, short enough that the
 * window without one stays small.
 */
export const KEEPER_RESPAWN_DELAY_MS = 1_000;

/**
 * Unread bytes queued for the keeper past which it is taken as stuck (stopped by SIGSTOP, or
 * not reading) and replaced: 64 KiB is about 4,000 hold/release lines, far more than a live
 * keeper ever lags, and keeps the queue of a stopped one from growing without bound.
 */
export const KEEPER_MAX_BACKLOG_BYTES = 64 * 1024;

/**
 * The keeper program. It reads `+<pgid> [<start time>]` / `-<pgid>` lines from stdin (a pipe
 * whose only writer is the supervisor) and holds the set. At end of input, which the kernel
 * delivers when the supervisor dies in any way (kill -9 included) or exits, it sends SIGKILL
 * to every group it still holds, then exits. Before killing group N it reads /proc/N/stat:
 * a pid N that started at another time than the recorded leader is a stranger (N was
 * reused after our group emptied, in the moment before its `-N` line arrived), and its
 * group is left alone. It ignores terminal and stop signals so that only the supervisor's
 * end ends it. A pgid that is not a number ≥ 2 is ignored: never kill(-1) or kill(0). A
 * line cut short by the supervisor's death has no newline and is not acted on.
 */
export const KEEPER_SCRIPT = `trap '' INT TERM HUP QUIT
held=' '
while IFS= read -r line; do
  g=\${line#?}
  t=
  case $g in *' '*) t=\${g#* }; g=\${g%% *} ;; esac
  case $g in ''|*[!0-9]*) continue ;; esac
  case $t in *[!0-9]*) continue ;; esac
  [ "$g" -ge 2 ] || continue
  case $line in
    +*) held="$held$g:$t " ;;
    -*) kept=' '; for h in $held; do [ "\${h%%:*}" = "$g" ] || kept="$kept$h "; done; held=$kept ;;
  esac
done
for h in $held; do
  g=\${h%%:*}; t=\${h#*:}
  if [ -n "$t" ] && 2>/dev/null read -r s < "/proc/$g/stat"; then
    s=\${s##*) }; set -- $s
    [ "\${20}" = "$t" ] || continue
  fi
  kill -s KILL -- "-$g" 2>/dev/null
done
`;

/**
 * Kills the backends' process groups when the supervisor dies, however it dies: one small
 * `/bin/sh` per supervisor, outside the backends' groups (its own session), fed through a
 * pipe (`KEEPER_SCRIPT`). It reaches what the `setpriv --pdeathsig` lifeline cannot: a
 * wrapper script's children, pre-forked workers, a grandchild that ignores SIGTERM.
 *
 * The supervisor `hold`s a group right after spawning its leader and `release`s it once
 * the group is empty (a pgid cannot be reused while any member lives, so holding it until
 * then never targets a stranger). A keeper that dies is respawned after
 * `KEEPER_RESPAWN_DELAY_MS` (and at the next `hold`) and told the groups again. Nothing
 * here ever throws: without a keeper the other layers against orphans still stand.
 */
export class GroupKeeper {
  private child: ChildProcess | null = null;
  /** Held groups and their leader's start time (/proc field 22; null where unknown). */
  private readonly held = new Map<number, string | null>();
  private respawnTimer: NodeJS.Timeout | null = null;
  private closed = false;

  /**
   * @param notify told, in one line, when a keeper dies, is replaced or starts again (for the log).
   * @param script the program `/bin/sh` runs (tests give one that never reads); KEEPER_SCRIPT.
   */
  constructor(
    private readonly notify: (message: string) => void = () => undefined,
    private readonly script: string = KEEPER_SCRIPT,
  ) {}

  /** True where a keeper can run (POSIX with /bin/sh). */
  static supported(): boolean {
    return process.platform !== 'win32' && existsSync(KEEPER_SHELL);
  }

  /** The keeper's pid while one runs (for tests and diagnostics). */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Bytes written to the keeper and not yet taken by it (at most about KEEPER_MAX_BACKLOG_BYTES). */
  get backlogBytes(): number {
    return this.child?.stdin?.writableLength ?? 0;
  }

  /** Process groups currently held. */
  get groups(): readonly number[] {
    return [...this.held.keys()];
  }

  /**
   * Kill group `pgid` (≥ 2) if the supervisor dies. `startTime`: its leader's start time
   * (/proc/<pgid>/stat field 22), so the keeper never kills a later process that got the
   * same pid; null where unknown.
   */
  hold(pgid: number, startTime: string | null = null): void {
    if (!Number.isInteger(pgid) || pgid < 2 || this.closed) return;
    const start = startTime !== null && /^\d+$/.test(startTime) ? startTime : null;
    this.held.set(pgid, start);
    this.replaceIfStopped();
    // A fresh keeper is told every held group as it starts.
    if (this.child) this.send(holdLine(pgid, start));
    else this.ensureRunning();
  }

  /**
   * Starts the keeper now if none runs, so a later `hold` only writes a line: a process
   * spawned after this is held within microseconds of its spawn, not after the keeper's own
   * (a fork of the whole supervisor, slow on a busy machine). False when none can run.
   */
  start(): boolean {
    return !this.closed && this.ensureRunning();
  }

  /** Forget group `pgid` (it is empty now). */
  release(pgid: number): void {
    if (!this.held.delete(pgid)) return;
    this.send(`-${pgid}`);
  }

  /** Ends the keeper without killing anything (tell it every group is gone, then close its input). */
  close(): void {
    this.closed = true;
    if (this.respawnTimer) clearTimeout(this.respawnTimer);
    for (const pgid of this.held.keys()) this.send(`-${pgid}`);
    this.held.clear();
    this.child?.stdin?.end();
    this.child = null;
  }

  private send(line: string): void {
    const child = this.child;
    const stdin = child?.stdin;
    if (!child || !stdin || stdin.destroyed) return;
    stdin.write(`${line}\n`);
    if (stdin.writableLength > KEEPER_MAX_BACKLOG_BYTES) {
      this.replace(child, `is not reading its input (${stdin.writableLength} bytes unread)`);
    }
  }

  /** A stopped keeper (SIGSTOP) cannot act when the supervisor dies: replace it. */
  private replaceIfStopped(): void {
    const child = this.child;
    if (!child?.pid) return;
    const state = readProcStat(child.pid)?.state;
    if (state === 'T' || state === 't') this.replace(child, 'is stopped');
  }

  /** Kills a keeper that cannot do its job (SIGKILL: it kills nothing) and starts another at once. */
  private replace(child: ChildProcess, why: string): void {
    if (this.child !== child) return;
    this.child = null;
    child.stdin?.destroy();
    try {
      child.kill('SIGKILL');
    } catch {
      /* gone already */
    }
    this.notify(`group keeper pid ${child.pid ?? '?'} ${why}: replacing it`);
    if (!this.ensureRunning()) this.scheduleRespawn();
  }

  /** Spawns the keeper if none runs; false when it cannot. */
  private ensureRunning(): boolean {
    if (this.child) return true;
    if (!GroupKeeper.supported()) return false;
    let child: ChildProcess;
    try {
      child = spawn(KEEPER_SHELL, ['-c', this.script, KEEPER_NAME], {
        // Its own session and group: a Ctrl-C or a kill of the supervisor's group does not reach it.
        detached: true,
        stdio: ['pipe', 'ignore', 'ignore'],
        env: { PATH: '/usr/bin:/bin' },
      });
    } catch {
      return false;
    }
    const gone = (): void => {
      if (this.child !== child) return;
      this.child = null;
      if (this.held.size > 0) {
        const how = child.signalCode ? `killed by ${child.signalCode}` : `ended (code ${child.exitCode ?? '?'})`;
        this.notify(
          `group keeper pid ${child.pid ?? '?'} ${how} while holding process group ${[...this.held.keys()].join(', ')}: another starts in ${KEEPER_RESPAWN_DELAY_MS} ms`,
        );
      }
      this.scheduleRespawn();
    };
    child.once('error', gone);
    child.once('exit', gone);
    child.stdin?.on('error', gone);
    // Neither the keeper nor its pipe keeps the supervisor's event loop alive.
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    this.child = child;
    for (const [pgid, start] of this.held) this.send(holdLine(pgid, start));
    return true;
  }

  private scheduleRespawn(): void {
    if (this.closed || this.held.size === 0 || this.respawnTimer) return;
    this.respawnTimer = setTimeout(() => {
      this.respawnTimer = null;
      if (this.closed || this.held.size === 0 || !this.ensureRunning()) return;
      this.notify(
        `group keeper pid ${this.pid ?? '?'} started, holding process group ${[...this.held.keys()].join(', ')}`,
      );
    }, KEEPER_RESPAWN_DELAY_MS);
    this.respawnTimer.unref();
  }
}

/** The line that tells the keeper to hold `pgid` (with its leader's start time when known). */
function holdLine(pgid: number, start: string | null): string {
  return start === null ? `+${pgid}` : `+${pgid} ${start}`;
}
