import { spawn, type ChildProcess } from 'node:child_process';
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

/** The last non-blank line of `bytes`, cut to {@link MAX_REASON_CHARS}. */
function lastLine(bytes: Buffer): string {
  const lines = bytes.toString('utf8').split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = (lines[i] ?? '').trim();
    if (line !== '') return line.length > MAX_REASON_CHARS ? `${line.slice(0, MAX_REASON_CHARS)}…` : line;
  }
  return '';
}

/**
 * Runs a command target: argv without a shell, in its own process group, in the target's
 * folder, with the supervisor's environment and `env` over it, `body` on stdin (then closed).
 * Exit 0 within the timeout is delivered. At the timeout, or when `stop` aborts, its whole
 * group is SIGKILLed; when it exits, what it left in its group is killed too. Never throws.
 */
export function runCommand(
  target: CommandTarget,
  body: string,
  env: Record<string, string>,
  stop: AbortSignal,
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
      resolve({ ok: false, error: (err as Error).message });
      return;
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
      const why = lastLine(kept);
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
      finish({ ok: false, error: err.code === 'ENOENT' ? `command not found: ${file}` : err.message });
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
