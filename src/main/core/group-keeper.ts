import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

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
 * The keeper program. It reads `+<pgid>` / `-<pgid>` lines from stdin (a pipe whose only
 * writer is the supervisor) and holds the set. At end of input, which the kernel delivers
 * when the supervisor dies in any way (kill -9 included) or exits, it sends SIGKILL to
 * every group it still holds, then exits. It ignores terminal and stop signals so that
 * only the supervisor's end ends it. A pgid that is not a number ≥ 2 is ignored: never
 * kill(-1) or kill(0).
 */
export const KEEPER_SCRIPT = `trap '' INT TERM HUP QUIT
held=' '
while IFS= read -r line; do
  g=\${line#?}
  case $g in ''|*[!0-9]*) continue ;; esac
  [ "$g" -ge 2 ] || continue
  case $line in
    +*) held="$held$g " ;;
    -*) kept=' '; for h in $held; do [ "$h" = "$g" ] || kept="$kept$h "; done; held=$kept ;;
  esac
done
for g in $held; do kill -s KILL -- "-$g" 2>/dev/null; done
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
  private readonly held = new Set<number>();
  private respawnTimer: NodeJS.Timeout | null = null;
  private closed = false;

  /** True where a keeper can run (POSIX with /bin/sh). */
  static supported(): boolean {
    return process.platform !== 'win32' && existsSync(KEEPER_SHELL);
  }

  /** The keeper's pid while one runs (for tests and diagnostics). */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Process groups currently held. */
  get groups(): readonly number[] {
    return [...this.held];
  }

  /** Kill group `pgid` (≥ 2) if the supervisor dies. */
  hold(pgid: number): void {
    if (!Number.isInteger(pgid) || pgid < 2 || this.closed) return;
    this.held.add(pgid);
    // A fresh keeper is told every held group as it starts.
    if (this.child) this.send(`+${pgid}`);
    else this.ensureRunning();
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
    for (const pgid of this.held) this.send(`-${pgid}`);
    this.held.clear();
    this.child?.stdin?.end();
    this.child = null;
  }

  private send(line: string): void {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed) return;
    stdin.write(`${line}\n`);
  }

  /** Spawns the keeper if none runs; false when it cannot. */
  private ensureRunning(): boolean {
    if (this.child) return true;
    if (!GroupKeeper.supported()) return false;
    let child: ChildProcess;
    try {
      child = spawn(KEEPER_SHELL, ['-c', KEEPER_SCRIPT, KEEPER_NAME], {
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
      this.scheduleRespawn();
    };
    child.once('error', gone);
    child.once('exit', gone);
    child.stdin?.on('error', gone);
    // Neither the keeper nor its pipe keeps the supervisor's event loop alive.
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    this.child = child;
    for (const pgid of this.held) this.send(`+${pgid}`);
    return true;
  }

  private scheduleRespawn(): void {
    if (this.closed || this.held.size === 0 || this.respawnTimer) return;
    this.respawnTimer = setTimeout(() => {
      this.respawnTimer = null;
      if (!this.closed && this.held.size > 0) this.ensureRunning();
    }, KEEPER_RESPAWN_DELAY_MS);
    this.respawnTimer.unref();
  }
}
