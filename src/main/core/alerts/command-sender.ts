import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { GroupKeeper } from '../group-keeper';
import { GROUP_RELEASE_POLL_MS, groupExists } from '../process-group';
import { readProcStat } from '../process-identity';
import type { DeliveryResult } from './delivery';
import type { CommandTarget } from './notify-schema';

/** Bytes of a command's output (stdout and stderr together) kept, the last ones: its last line says why it failed. */
export const MAX_COMMAND_OUTPUT_BYTES = 4096;

/** Longest output line put in the supervisor's log, characters. */
const MAX_REASON_CHARS = 240;

/** SIGKILL to the whole group of `child` (the child itself on Windows); a group already gone is not an error. */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    if (process.platform === 'win32') child.kill('SIGKILL');
    else process.kill(-child.pid, 'SIGKILL');
  } catch {
    // ESRCH: gone already
  }
}

/**
 * Shortest argument hidden from a failure's reason, characters: a token is longer; a word
 * shorter (`--team`, `site`) is no secret and helps read the reason.
 */
const MIN_HIDDEN_ARG_CHARS = 8;

/**
 * The last non-blank line of `bytes`, with each of `hidden` in it shown as `…` (a command's
 * arguments may hold a token, and a failing program often repeats them), cut to
 * {@link MAX_REASON_CHARS}.
 */
function lastLine(bytes: Buffer, hidden: readonly string[]): string {
  const lines = bytes.toString('utf8').split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    let line = (lines[i] ?? '').trim();
    if (line === '') continue;
    // Longest first: a secret that holds a shorter one is hidden whole.
    for (const arg of [...hidden].sort((a, b) => b.length - a.length)) line = line.replaceAll(arg, '…');
    return line.length > MAX_REASON_CHARS ? `${line.slice(0, MAX_REASON_CHARS)}…` : line;
  }
  return '';
}

/**
 * Runs command targets. Each runs in its own process group, held by a {@link GroupKeeper}
 * of the alerts' own from its spawn until its group is empty: a supervisor that dies in any
 * way (SIGKILL included) takes its alert commands with it, as it takes its backends, and a
 * command that reads no stdin is not left running for ever with nobody to enforce its timeout.
 */
export class CommandSender {
  /** Null where no keeper can run (Windows, no /bin/sh): the timeout and the stop still kill. */
  private readonly keeper: GroupKeeper | null = GroupKeeper.supported() ? new GroupKeeper() : null;

  /**
   * Runs `target`: argv without a shell, in its own process group, in the target's folder,
   * with the supervisor's environment and `env` over it, `body` on stdin (then closed).
   * Exit 0 within the timeout is delivered. At the timeout, or when `stop` aborts, its whole
   * group is SIGKILLed; when it exits, what it left in its group is killed too. Never throws.
   */
  run(target: CommandTarget, body: string, env: Record<string, string>, stop: AbortSignal): Promise<DeliveryResult> {
    // The keeper first: spawned after the command, it left the command unheld (and running
    // for ever if the supervisor died then) for as long as its own spawn took.
    this.keeper?.start();
    return runCommand(target, body, env, stop, this.keeper);
  }

  /** Lets the keeper go (call after every run has ended: what it still holds is not killed). */
  close(): void {
    this.keeper?.close();
  }
}

/** {@link CommandSender.run}, its group held by `keeper` (when given) until the group is empty. */
export function runCommand(
  target: CommandTarget,
  body: string,
  env: Record<string, string>,
  stop: AbortSignal,
  keeper: GroupKeeper | null = null,
): Promise<DeliveryResult> {
  const [file, ...args] = target.argv;
  if (file === undefined || file === '') return Promise.resolve({ ok: false, error: 'no command given' });
  if (stop.aborted) return Promise.resolve({ ok: false, error: 'the supervisor is shutting down' });
  return new Promise<DeliveryResult>((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(file, args, {
        cwd: target.cwd,
        env: { ...process.env, ...env },
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
    } catch (err) {
      // Not the message: an invalid argument's quotes the value (of the environment, say).
      const code = (err as NodeJS.ErrnoException).code;
      resolve({ ok: false, error: `could not start ${file}${code ? ` (${code})` : ''}` });
      return;
    }
    const pgid = child.pid;
    if (keeper && pgid !== undefined) {
      // At once, before the command can do anything; with the leader's start time, so the
      // keeper never kills a later process given the same pid.
      keeper.hold(pgid, readProcStat(pgid)?.startTime ?? null);
      const release = (): void => {
        if (groupExists(pgid)) setTimeout(release, GROUP_RELEASE_POLL_MS).unref();
        else keeper.release(pgid);
      };
      child.once('exit', release);
    }
    let kept = Buffer.alloc(0);
    const keep = (chunk: Buffer): void => {
      kept = Buffer.from(Buffer.concat([kept, chunk]).subarray(-MAX_COMMAND_OUTPUT_BYTES));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.stdout?.on('error', () => undefined);
    child.stderr?.on('error', () => undefined);
    // A command that does not read its stdin closes it early: EPIPE is no failure of the delivery.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(body);

    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    let done = false;
    const finish = (result: DeliveryResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stop.removeEventListener('abort', onStop);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve(result);
    };
    const judge = (ended: NonNullable<typeof exit>): DeliveryResult => {
      if (ended.code === 0) return { ok: true };
      const how =
        ended.code !== null ? `exited with code ${ended.code}` : `was killed by ${ended.signal ?? 'a signal'}`;
      const why = lastLine(
        kept,
        args.filter((arg) => arg.length >= MIN_HIDDEN_ARG_CHARS),
      );
      return { ok: false, error: why === '' ? how : `${how}: ${why}` };
    };
    const timer = setTimeout(() => {
      // Exited, but something that left its group holds the pipes: judge by the exit.
      if (exit !== null) return finish(judge(exit));
      killGroup(child);
      finish({ ok: false, error: `no exit within ${target.timeoutMs / 1000} s (killed)` });
    }, target.timeoutMs);
    const onStop = (): void => {
      killGroup(child);
      finish({ ok: false, error: 'the supervisor is shutting down' });
    };
    stop.addEventListener('abort', onStop, { once: true });
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (child.pid !== undefined) return; // a failed kill of an exited child
      if (err.code === 'ENOENT' && !existsSync(target.cwd)) {
        // spawn says ENOENT of the program for a missing folder too.
        finish({ ok: false, error: `its folder ${target.cwd} does not exist` });
      } else finish({ ok: false, error: err.code === 'ENOENT' ? `command not found: ${file}` : err.message });
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      killGroup(child);
    });
    child.on('close', () => {
      if (exit !== null) finish(judge(exit));
    });
  });
}
