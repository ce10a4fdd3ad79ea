/**
 * What `serve` tells systemd, and when: READY=1 once the supervisor's start is done, a
 * STATUS= line on each state change of the primary service, RELOADING=1 then READY=1 around
 * a SIGHUP's reload, STOPPING=1 when it stops.
 */
import type { StateChangeEvent } from '../../../shared/status';
import type { SystemdNotifier } from './notifier';

/** The services as readiness sees them (a Stack): which one is primary, and every state change. */
export interface WatchedStack {
  readonly primaryName: string;
  on(event: 'state', listener: (event: StateChangeEvent) => void): unknown;
  off(event: 'state', listener: (event: StateChangeEvent) => void): unknown;
}

/** The calls `serve` makes at its steps; see {@link reportToSystemd}. */
export interface SystemdReport {
  /**
   * The control server listens at `dashboardUrl`. `startsBackend` false (`--no-start`):
   * nothing will start, so the start is done now.
   */
  listening(dashboardUrl: string, startsBackend: boolean): void;
  /**
   * A reload has begun (SIGHUP, systemd's ExecReload=): RELOADING=1, once the start is done
   * (before that, systemd is still waiting for the start's READY=1, and only STATUS= goes).
   */
  reloading(status: string): void;
  /** That reload has answered: READY=1 again (after a RELOADING=1), with what it did. */
  reloaded(status: string): void;
  /** The supervisor begins to stop (a signal): STOPPING=1, and no READY=1 after it. */
  stopping(status: string): void;
  /** The start has failed and serve exits: STATUS= says why, and no READY=1 goes after it. */
  failed(status: string): void;
  /** Stops following the service and waits (bounded) for the last messages to go out. */
  close(): Promise<void>;
}

/**
 * Follows the primary service of `stack` for systemd (the one primary at each change: a
 * reload may make another service primary). The start is done (READY=1) when the control server
 * listens and the primary service is `running`, i.e. its health check has passed (in a
 * stack its `service_healthy` dependencies are up by then); with `--no-start`, as soon as the
 * server listens. A start that never gets there (the restart policy gives up) sends no
 * READY=1: the unit's TimeoutStartSec fails it. Later state changes only update STATUS=.
 */
export function reportToSystemd(notifier: SystemdNotifier, stack: WatchedStack): SystemdReport {
  let dashboard: string | null = null;
  let running = false;
  let ready = false;
  let stopped = false;
  /** A RELOADING=1 went out and its READY=1 has not. */
  let reloading = false;
  const becomeReady = (status: string): void => {
    if (ready || stopped) return;
    ready = true;
    notifier.ready(status);
  };
  const onState = (event: StateChangeEvent): void => {
    const name = event.service ?? 'backend';
    if (name !== stack.primaryName) return;
    running = event.to === 'running';
    const pid = event.status.pid ? ` (pid ${event.status.pid})` : '';
    const line = `${name} ${event.to}${pid}: ${event.reason}`;
    if (running && dashboard !== null && !ready) becomeReady(`${line}; dashboard ${dashboard}`);
    else notifier.status(line);
  };
  if (notifier.enabled) stack.on('state', onState);
  return {
    listening(dashboardUrl, startsBackend) {
      dashboard = dashboardUrl;
      if (!startsBackend) becomeReady(`dashboard ${dashboardUrl}; ${stack.primaryName} not started (--no-start)`);
      else if (running) becomeReady(`${stack.primaryName} running; dashboard ${dashboardUrl}`);
      else notifier.status(`dashboard ${dashboardUrl}; starting ${stack.primaryName}`);
    },
    reloading(status) {
      if (stopped) return;
      if (!ready) return notifier.status(status);
      reloading = true;
      notifier.reloading(status);
    },
    reloaded(status) {
      if (stopped) return;
      if (!reloading) return notifier.status(status);
      reloading = false;
      notifier.ready(status);
    },
    stopping(status) {
      stopped = true;
      notifier.stopping(status);
    },
    failed(status) {
      stopped = true;
      notifier.status(status);
    },
    async close() {
      stack.off('state', onState);
      await notifier.close();
    },
  };
}
