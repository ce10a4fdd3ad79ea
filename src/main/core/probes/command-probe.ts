import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { LOCAL_RESOURCE_ERRORS, type HealthProbe, type ProbeFailure, type ProbeOutcome } from '../health-probe';
import type { UserIds } from '../stack/service-user';
import { timerMs } from '../timer-ms';
import { failedOutcome } from './failed-outcome';

/**
 * Bytes of each of a check command's stdout and stderr kept, at most (4 KiB, the last
 * ones: the line that says why is usually the last). The rest is read and dropped, so a
 * command that writes a lot and exits 0 is still healthy; endless output costs no memory
 * and ends with the timeout.
 */
export const MAX_COMMAND_OUTPUT = 4096;

/** Spawn errors of this side's resources (they say nothing about the service): errno code → phrase. */
const SPAWN_RESOURCE_ERRORS: Readonly<Record<string, string>> = {
  ...LOCAL_RESOURCE_ERRORS,
  EAGAIN: 'the process limit is reached',
};

/** A probe ended because {@link CommandProbe.close} was called. */
const CLOSED = 'the probe was closed';

/** The last `max` bytes written to a stream. */
class OutputTail {
  private kept = Buffer.alloc(0);

  constructor(private readonly max: number) {}

  push(chunk: Buffer): void {
    // A copy: a slice would pin the whole (possibly 64 KiB) chunk.
    this.kept =
      chunk.length >= this.max
        ? Buffer.from(chunk.subarray(chunk.length - this.max))
        : Buffer.from(Buffer.concat([this.kept, chunk]).subarray(-this.max));
  }

  /** The last non-blank line, trimmed ('' when none); a character cut at the start is dropped. */
  lastLine(): string {
    let start = 0;
    while (start < this.kept.length && ((this.kept[start] ?? 0) & 0xc0) === 0x80) start++;
    const lines = this.kept.subarray(start).toString('utf8').split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = (lines[i] ?? '').trim();
      if (line !== '') return line;
    }
    return '';
  }
}

/** SIGKILL to the whole process group of `pid` (the child itself on Windows); a group already gone is not an error. */
function killGroup(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined) return;
  try {
    if (process.platform === 'win32') child.kill('SIGKILL');
    else process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is gone already
  }
}

/**
 * Health by running a command (Compose's `healthcheck: test: [CMD, …]`): healthy when it
 * exits 0 within the timeout. It runs without a shell, in the service's working directory
 * and environment (and as its user, when it has one), in a process group of its own, stdin closed. At the timeout the whole
 * group is SIGKILLed; when the command exits, whatever it left running in its group is
 * SIGKILLed too (a check must not leave processes behind every interval). At most one run
 * of a probe is in flight: a call while one runs gets the same promise.
 */
export class CommandProbe implements HealthProbe {
  private running: Promise<ProbeOutcome> | null = null;
  /** Ends the run in flight (kills its group and resolves it `cannot-probe`). */
  private abort: (() => void) | null = null;
  private closed = false;

  /**
   * @param argv the program (a path, or a name looked up in `env.PATH`) and its arguments.
   * @param cwd working directory of the command.
   * @param env its full environment (not merged with the supervisor's).
   * @param user the ids to run it with (the service's `user`; Compose runs a check as the
   *   container's user), or null: as the supervisor.
   */
  constructor(
    private readonly argv: readonly string[],
    private readonly cwd: string,
    private readonly env: Record<string, string | undefined>,
    private readonly user: UserIds | null = null,
  ) {}

  /**
   * Runs the command once. Never throws. Exit 0 within the timeout is healthy; another code
   * or a signal is `other` ("exited with code N: <last stderr line>", stdout's when stderr is
   * empty); no exit within the timeout `no-answer` (its group killed); a missing command
   * `other` ("command not found: X"); out of file descriptors or processes here `cannot-probe`.
   * @param _target ignored (the display string of the command).
   * @param timeoutMs budget from spawn to exit, ms; made a whole number ≥ 1. A call while a run
   *   is in flight returns that run's promise, whatever its own timeout.
   */
  probe(_target: string, timeoutMs: number): Promise<ProbeOutcome> {
    if (this.running) return this.running;
    const run = this.run(timerMs(timeoutMs, 1)).then((outcome) => {
      this.running = null;
      return outcome;
    });
    this.running = run;
    return run;
  }

  /** Kills the group of a run in flight (it resolves `cannot-probe`); later probes fail the same way. */
  close(): Promise<void> {
    this.closed = true;
    this.abort?.();
    return Promise.resolve();
  }

  private run(budget: number): Promise<ProbeOutcome> {
    const at = new Date().toISOString();
    const started = performance.now();
    const failed = (failure: ProbeFailure, error: string): ProbeOutcome => failedOutcome(at, failure, error);
    if (this.closed) return Promise.resolve(failed('cannot-probe', CLOSED));
    const [file, ...args] = this.argv;
    if (file === undefined || file === '') return Promise.resolve(failed('other', 'no command given'));

    return new Promise<ProbeOutcome>((resolve) => {
      let child: ChildProcess;
      try {
        child = spawn(file, args, {
          cwd: this.cwd,
          env: this.env,
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
          windowsHide: true,
          ...(this.user ? { uid: this.user.uid, gid: this.user.gid } : {}),
        });
      } catch (err) {
        const { failure, error } = this.spawnFailure(err, file);
        resolve(failed(failure, error));
        return;
      }
      const stdout = new OutputTail(MAX_COMMAND_OUTPUT);
      const stderr = new OutputTail(MAX_COMMAND_OUTPUT);
      child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.stdout?.on('error', () => undefined);
      child.stderr?.on('error', () => undefined);

      let exit: { code: number | null; signal: NodeJS.Signals | null; latency: number } | null = null;
      let done = false;
      const finish = (outcome: ProbeOutcome): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.abort = null;
        // Pipes still held by a process that left the group: stop reading them.
        child.stdout?.destroy();
        child.stderr?.destroy();
        resolve(outcome);
      };
      const judge = (ended: NonNullable<typeof exit>): ProbeOutcome => {
        if (ended.code === 0) {
          return { at, ok: true, latency_ms: ended.latency, status_code: null, error: null, failure: null, body: null };
        }
        const how =
          ended.code !== null ? `exited with code ${ended.code}` : `was killed by ${ended.signal ?? 'a signal'}`;
        const why = stderr.lastLine() || stdout.lastLine();
        return failed('other', why === '' ? how : `${how}: ${why}`);
      };

      const timer = setTimeout(() => {
        // Exited, but a process that left its group still holds the pipes: judge by the exit.
        if (exit !== null) return finish(judge(exit));
        killGroup(child);
        finish(failed('no-answer', `no exit within ${budget} ms (killed)`));
      }, budget);
      this.abort = () => {
        killGroup(child);
        finish(failed('cannot-probe', CLOSED));
      };

      child.on('error', (err) => {
        // Without a pid the spawn failed; with one, a failed kill of an exited child: ignored.
        if (child.pid !== undefined) return;
        const { failure, error } = this.spawnFailure(err, file);
        finish(failed(failure, error));
      });
      child.on('exit', (code, signal) => {
        exit = { code, signal, latency: Math.round((performance.now() - started) * 10) / 10 };
        killGroup(child); // what it left running in its group
      });
      // After the exit and the end of both pipes: the last output is in.
      child.on('close', () => {
        if (exit !== null) finish(judge(exit));
      });
    });
  }

  /** Sorts a spawn error: missing or unrunnable command `other`, lack of resources here `cannot-probe`. */
  private spawnFailure(err: unknown, file: string): { failure: ProbeFailure; error: string } {
    const code = (err as NodeJS.ErrnoException | null)?.code;
    if (code === 'ENOENT') {
      // spawn says ENOENT for a missing working directory too.
      if (!existsSync(this.cwd)) return { failure: 'other', error: `working directory not found: ${this.cwd}` };
      return { failure: 'other', error: `command not found: ${file}` };
    }
    if (code === 'EACCES') return { failure: 'other', error: `command is not executable: ${file}` };
    const why = code === undefined ? undefined : SPAWN_RESOURCE_ERRORS[code];
    if (why !== undefined) return { failure: 'cannot-probe', error: `could not start ${file}: ${code} (${why})` };
    return { failure: 'other', error: `could not start ${file}: ${err instanceof Error ? err.message : String(err)}` };
  }
}
