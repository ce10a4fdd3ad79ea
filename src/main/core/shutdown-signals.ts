/**
 * The signals that stop the headless supervisor, counted right: the first asks for a
 * graceful stop, a second one forces it.
 */

/**
 * The signals that stop the supervisor: Ctrl-C (SIGINT), `kill` and systemd (SIGTERM), and
 * a closed terminal (SIGHUP). SIGHUP means "reload" to a daemon; until the supervisor
 * reloads, it stops gracefully like SIGTERM instead of dying with the backend SIGKILLed.
 */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** One of {@link STOP_SIGNALS}. */
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** What a stop signal does. */
export interface StopSignalHandlers {
  /** The first signal: stop the backend gracefully (SIGTERM, SIGKILL after the stop timeout). */
  stop(signal: StopSignal): void;
  /** Any signal after the first: force the stop now. */
  force(signal: StopSignal): void;
}

/**
 * Takes over {@link STOP_SIGNALS}: the first one delivered calls `stop`, every later one
 * `force`. The listeners that modules installed on these signals when they were imported
 * are removed first. The one found there is when-exit's (imported by conf → atomically, for
 * its temporary-file cleanup): it runs its callbacks and then sends the same signal to the
 * process again, unconditionally, so one SIGTERM arrived twice (~2 ms apart: the second read
 * as a person's second Ctrl-C) and SIGHUP, which nothing else handled, killed the process at
 * once. Its `exit` hook stays, so atomically still cleans up when the process exits; its
 * files are written synchronously, so no signal can land in the middle of a write anyway.
 * @returns a function that removes the handlers.
 */
export function takeStopSignals(handlers: StopSignalHandlers, target: NodeJS.Process = process): () => void {
  let received = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    received++;
    if (received === 1) handlers.stop(signal as StopSignal);
    else handlers.force(signal as StopSignal);
  };
  for (const signal of STOP_SIGNALS) {
    target.removeAllListeners(signal);
    target.on(signal, onSignal);
  }
  return () => {
    for (const signal of STOP_SIGNALS) target.off(signal, onSignal);
  };
}

/**
 * Kills the backend's process group at once (SIGKILL to `-pgid`; on Windows, which has no
 * groups, the leader). A group already gone is not an error.
 */
export function killGroupNow(pgid: number): void {
  try {
    process.kill(process.platform === 'win32' ? pgid : -pgid, 'SIGKILL');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
