import { connect, type Socket } from 'node:net';
import { classifyProbeError, type HealthProbe, type ProbeFailure, type ProbeOutcome } from '../health-probe';
import { timerMs } from '../timer-ms';
import { failedOutcome } from './failed-outcome';

/** Host and port of a `tcp://host:port` health target. */
export interface TcpTarget {
  /** A name or an address; an IPv6 address without its brackets. */
  host: string;
  /** 1–65535. */
  port: number;
}

/** The target string of a TCP check: `tcp://host:port`, an IPv6 address in brackets (`tcp://[::1]:5432`). */
export function formatTcpTarget(host: string, port: number): string {
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `tcp://${bracketed}:${port}`;
}

/**
 * Reads a `tcp://host:port` target (the form {@link formatTcpTarget} writes). Null when it
 * is not one: another scheme, no host, no port or port 0, a path, credentials or a query.
 */
export function parseTcpTarget(target: string): TcpTarget | null {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return null;
  }
  if (url.protocol !== 'tcp:' || url.hostname === '' || url.port === '') return null;
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') return null;
  if (url.pathname !== '' && url.pathname !== '/') return null;
  const port = Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return null;
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { host, port };
}

/** A probe ended because {@link TcpProbe.close} was called. */
const CLOSED = 'the probe was closed';

/**
 * Health by TCP connect (Compose's `nc -z` check, done in-process): healthy when a TCP
 * connection to `tcp://host:port` is established within the timeout. Nothing is sent; the
 * socket is destroyed as soon as it connects. The timeout bounds the name lookup and the
 * connect together. `status_code` and `body` are always null (no HTTP was spoken), so the
 * pre-spawn "someone already serves the port" check, which looks at `status_code`, must
 * look at `ok` for this probe.
 */
export class TcpProbe implements HealthProbe {
  private readonly inFlight = new Set<{ socket: Socket; settle: (failure: ProbeFailure, error: string) => void }>();
  private closed = false;

  /**
   * Connects once to `target` (`tcp://host:port`). Never throws: an invalid target is an
   * `other` failure; refused, reset or an unknown host `unreachable`; no connection within
   * the timeout `no-answer`; out of file descriptors on this side `cannot-probe`.
   * @param timeoutMs budget for the lookup and the connect, ms; made a whole number ≥ 1.
   */
  probe(target: string, timeoutMs: number): Promise<ProbeOutcome> {
    const budget = timerMs(timeoutMs, 1);
    const at = new Date().toISOString();
    const started = performance.now();
    const failed = (failure: ProbeFailure, error: string): ProbeOutcome => failedOutcome(at, failure, error);
    if (this.closed) return Promise.resolve(failed('cannot-probe', CLOSED));
    const parsed = parseTcpTarget(target);
    if (parsed === null) return Promise.resolve(failed('other', `not a tcp://host:port target: ${target}`));

    return new Promise<ProbeOutcome>((resolve) => {
      let socket: Socket;
      try {
        socket = connect({ host: parsed.host, port: parsed.port });
      } catch (err) {
        const { failure, error } = classifyProbeError(err, budget);
        resolve(failed(failure, error));
        return;
      }
      const entry = {
        socket,
        settle: (failure: ProbeFailure, error: string) => finish(failed(failure, error)),
      };
      const finish = (outcome: ProbeOutcome): void => {
        clearTimeout(timer);
        this.inFlight.delete(entry);
        socket.destroy();
        resolve(outcome);
      };
      const timer = setTimeout(() => entry.settle('no-answer', `no connection within ${budget} ms`), budget);
      this.inFlight.add(entry);
      socket.once('connect', () => {
        const latency = performance.now() - started;
        finish({
          at,
          ok: true,
          latency_ms: Math.round(latency * 10) / 10,
          status_code: null,
          error: null,
          failure: null,
          body: null,
        });
      });
      // `on`, not `once`: a second error after the first must not be unhandled.
      socket.on('error', (err) => {
        const { failure, error } = classifyProbeError(err, budget);
        entry.settle(failure, error);
      });
    });
  }

  /** Ends every connect still in flight (each resolves `cannot-probe`); later probes fail the same way. */
  close(): Promise<void> {
    this.closed = true;
    for (const entry of [...this.inFlight]) entry.settle('cannot-probe', CLOSED);
    return Promise.resolve();
  }
}
