/**
 * The signals that stop the headless supervisor, counted right: the first asks for a
 * graceful stop, a second one forces it.
 */

/**
 * The signals that stop the supervisor: Ctrl-C (SIGINT), `kill` and systemd (SIGTERM).
 * SIGHUP is not one: it reloads ({@link RELOAD_SIGNAL}).
 */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
/** One of {@link STOP_SIGNALS}, or SIGHUP on Windows (see {@link stopSignalsOf}). */
export type StopSignal = (typeof STOP_SIGNALS)[number] | 'SIGHUP';

/**
 * The stop signals on `platform`: {@link STOP_SIGNALS}; on Windows also SIGHUP, which Node
 * emits there when the console window closes (Windows ends the process seconds later): it has
 * no reload signal, and the backend gets its graceful stop in those seconds, as before.
 */
export function stopSignalsOf(platform: NodeJS.Platform = process.platform): readonly StopSignal[] {
  return platform === 'win32' ? [...STOP_SIGNALS, 'SIGHUP'] : STOP_SIGNALS;
}

/** What a stop signal does. */
export interface StopSignalHandlers {
  /** The first signal: stop the backend gracefully (SIGTERM, SIGKILL after the stop timeout). */
  stop(signal: StopSignal): void;
  /** Any signal after the first: force the stop now. */
  force(signal: StopSignal): void;
}

/**
 * Takes over the stop signals ({@link stopSignalsOf}): the first one delivered calls `stop`, every later one
 * `force`. The listeners that modules installed on these signals when they were imported
 * are removed first. The one found there is when-exit's (imported by conf → atomically, for
 * its temporary-file cleanup): it runs its callbacks and then sends the same signal to the
 * process again, unconditionally, so one SIGTERM arrived twice (~2 ms apart: the second read
 * as a person's second Ctrl-C) and SIGHUP, which nothing else handled, killed the process at
 * once. Its `exit` hook stays, so atomically still cleans up when the process exits; its
 * files are written synchronously, so no signal can land in the middle of a write anyway.
 * @returns a function that removes the handlers.
 */
export function takeStopSignals(
  handlers: StopSignalHandlers,
  target: NodeJS.Process = process,
  platform: NodeJS.Platform = process.platform,
): () => void {
  const signals = stopSignalsOf(platform);
  let received = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    received++;
    if (received === 1) handlers.stop(signal as StopSignal);
    else handlers.force(signal as StopSignal);
  };
  for (const signal of signals) replaceListeners(target, signal, onSignal);
  return () => {
    for (const signal of signals) target.off(signal, onSignal);
  };
}

/**
 * Makes `listener` the only listener of `signal`: added first, the others removed after. In
 * this order the signal's handle stays open: removing the last listener closes it, and a
 * signal caught but not yet dispatched is then dropped (lost, not acted on).
 */
function replaceListeners(
  target: NodeJS.Process,
  signal: NodeJS.Signals,
  listener: (signal: NodeJS.Signals) => void,
): void {
  target.on(signal, listener);
  for (const other of target.listeners(signal)) if (other !== listener) target.off(signal, other as () => void);
}

/**
 * The signal that reloads the settings and the stack file (a daemon's convention; systemd's
 * `ExecReload=kill -HUP $MAINPID`). A terminal closed under a `serve` run in it sends it
 * too: the supervisor then reloads and goes on, as daemons do (run it under systemd, nohup or
 * a terminal multiplexer; Ctrl-C or SIGTERM stops it).
 */
export const RELOAD_SIGNAL: NodeJS.Signals = 'SIGHUP';

/**
 * Takes over {@link RELOAD_SIGNAL} (removing the listeners modules installed on import, such
 * as when-exit's, which would end the process): each one delivered calls `onReload`.
 * Not on Windows, which has no such signal: SIGHUP there (the console window closing) stops
 * (see {@link stopSignalsOf}).
 * @returns a function that removes the handler.
 */
export function takeReloadSignal(
  onReload: () => void,
  target: NodeJS.Process = process,
  platform: NodeJS.Platform = process.platform,
): () => void {
  if (platform === 'win32') return () => undefined;
  const listener = (): void => onReload();
  replaceListeners(target, RELOAD_SIGNAL, listener);
  return () => void target.off(RELOAD_SIGNAL, listener);
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

/**
 * Signals the supervisor receives and ignores (saying so), instead of their default action.
 * SIGUSR1: Node opens its inspector on it (a debugger on 127.0.0.1:9229 without a password:
 * any local user who connects runs code as the supervisor); a listener keeps it closed.
 * SIGUSR2: its default action (and when-exit's handler, which re-raises it) ends the
 * supervisor at once, the backend SIGKILLed by the keeper with no grace and the pid file
 * left. Not on Windows, which has neither.
 */
export const IGNORED_SIGNALS = ['SIGUSR1', 'SIGUSR2'] as const;
/** One of {@link IGNORED_SIGNALS}. */
export type IgnoredSignal = (typeof IGNORED_SIGNALS)[number];

/**
 * Takes over {@link IGNORED_SIGNALS} (removing the listeners modules installed on import):
 * each one delivered calls `onSignal` and does nothing else.
 * @returns a function that removes the handlers.
 */
export function ignoreSignals(
  onSignal: (signal: IgnoredSignal) => void,
  target: NodeJS.Process = process,
  platform: NodeJS.Platform = process.platform,
): () => void {
  if (platform === 'win32') return () => undefined;
  const listener = (signal: NodeJS.Signals): void => onSignal(signal as IgnoredSignal);
  for (const signal of IGNORED_SIGNALS) replaceListeners(target, signal, listener);
  return () => {
    for (const signal of IGNORED_SIGNALS) target.off(signal, listener);
  };
}

/**
 * Guards the signals from the imports to takeStopSignals and ignoreSignals: a stop signal
 * then has its default action (the process ends: nothing has started yet) and SIGUSR1,
 * SIGUSR2 and SIGHUP are ignored (a reload before the start has read the files: the start
 * reads them anyway). Call it as soon as the imports are evaluated. What it replaces are the
 * listeners when-exit installed on import: they re-raise the signal while removing
 * themselves, and a signal caught during the imports was then dispatched to no listener and
 * lost, the start going on as if it had never come.
 */
export function guardSignalsUntilTaken(
  target: NodeJS.Process = process,
  platform: NodeJS.Platform = process.platform,
): void {
  const defaultAction = (signal: NodeJS.Signals): void => {
    target.removeAllListeners(signal);
    target.kill(target.pid, signal);
  };
  for (const signal of stopSignalsOf(platform)) replaceListeners(target, signal, defaultAction);
  if (platform !== 'win32') {
    for (const signal of [...IGNORED_SIGNALS, RELOAD_SIGNAL]) replaceListeners(target, signal, () => undefined);
  }
}
