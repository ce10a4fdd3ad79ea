import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { HealthCheckResult } from '../../shared/status';
import { timerMs } from './timer-ms';

/**
 * Body bytes read from a health answer at most (64 KiB: enough for `{"status","instance_id",…}`
 * and a list of checks). Reading stops there and the connection is closed: a 2xx whose body
 * is longer (1 GB, or endless) is healthy by its status, read no further, its body not parsed.
 */
export const MAX_HEALTH_BODY = 64 * 1024;

/**
 * Longest a TCP connect and TLS handshake may take, ms, where a client keeps a connect going
 * past its request (undici, in the webhook sender: its `UND_ERR_CONNECT_TIMEOUT` is named with
 * it). The probe's own budget ends its connect sooner: its socket is destroyed at the deadline.
 */
export const PROBE_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Why a probe failed: `http-status` answered non-2xx; `no-answer` nothing complete within
 * the timeout (no headers, or a body that did not end); `unreachable` refused, reset or an
 * unknown host; `cannot-probe` the supervisor itself could not open a socket (out of file
 * descriptors, buffers or memory: {@link LOCAL_RESOURCE_ERRORS}), which says nothing about
 * the backend; `other` anything else.
 */
export type ProbeFailure = 'http-status' | 'no-answer' | 'unreachable' | 'cannot-probe' | 'other';

/**
 * Errors of the probing side, not of the backend: errno code → what it means. A probe
 * failing with one of them is `cannot-probe`: the supervisor must not count it as a failed
 * health check (a healthy backend would be killed as "hung" while file descriptors are
 * exhausted by idle connections, issue 9 item 6).
 */
export const LOCAL_RESOURCE_ERRORS: Readonly<Record<string, string>> = {
  EMFILE: 'the supervisor has too many open files',
  ENFILE: 'the system has too many open files',
  ENOBUFS: 'no socket buffer space left',
  ENOMEM: 'out of memory',
};

/** A probe result plus the parsed JSON body when the answer had one. */
export interface ProbeOutcome extends HealthCheckResult {
  body: unknown;
  /**
   * Why it failed (null when ok). The real probe always sets it; a stand-in may leave it
   * out, which is taken as a failure of the backend (`other` or, with a status, `http-status`).
   */
  failure?: ProbeFailure | null;
}

/** Performs one HTTP health probe; an interface so tests can script answers. */
export interface HealthProbe {
  /**
   * GETs `url` once and reads the whole body. Never throws: a refused connection, a timeout
   * or a non-2xx answer is a failed outcome with `error` saying which and `failure` its kind.
   * Healthy means any 2xx (backend-contract.md) whose body ends, or passes
   * {@link MAX_HEALTH_BODY}, within the timeout; `latency_ms` is until then. The timeout
   * bounds the whole probe, the connect and TLS handshake included.
   * @param timeoutMs budget for the whole probe (connect, headers and body), ms; made a
   *   whole number ≥ 1 (`AbortSignal.timeout` throws on a fraction).
   */
  probe(url: string, timeoutMs: number): Promise<ProbeOutcome>;
  /** Closes pooled connections and ends any probe still in flight (it does not wait for one). */
  close(): Promise<void>;
}

/** The parts of a probe's URL `http.request` takes. @throws TypeError on a URL that does not parse. */
function requestTarget(url: string): URL {
  return new URL(url);
}

/** Node's name of an HTTP parser error → the phrase a person reads (the one undici said). */
const PARSER_PHRASES: Readonly<Record<string, string>> = {
  HPE_HEADER_OVERFLOW: 'Headers Overflow Error',
};

/** The backend closed the connection (a FIN, no reset) before the answer was whole. */
class ClosedByPeer extends Error {
  constructor() {
    super('connection closed');
  }
}

/** What a probe's exchange gave: the status and the parsed body (null: not JSON, or past `max`). */
interface Exchange {
  statusCode: number;
  body: unknown;
}

/**
 * The real probe: `node:http`/`node:https` (a probe costs a third of undici's CPU, which
 * is most of the idle supervisor's). Each probe opens a fresh connection (an agent without
 * keep-alive, `Connection: close`), so a kept-alive socket to a process that just died
 * never fails a probe of its successor. The body is read to its end within the same
 * deadline as the headers: a backend whose health handler stalls after the status line is
 * not healthy, and reading only the status line would report 1 ms for an answer that never
 * completes. At the deadline the request and its socket are destroyed, a pending connect or
 * TLS handshake too, so nothing lingers past the budget. Redirects are not followed
 * (`node:http` never does), bodies are not decompressed (no `accept-encoding` is sent).
 */
export class HttpHealthProbe implements HealthProbe {
  private readonly httpAgent = new HttpAgent({ keepAlive: false, maxSockets: 4 });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: false, maxSockets: 4 });
  /** Requests in flight, each with the way to fail it: ended by {@link close}. */
  private readonly inFlight = new Map<ClientRequest, (err: Error) => void>();

  async probe(url: string, timeoutMs: number): Promise<ProbeOutcome> {
    const budget = timerMs(timeoutMs, 1);
    const at = new Date().toISOString();
    const started = performance.now();
    const seen: { statusCode: number | null } = { statusCode: null };
    let timer: NodeJS.Timeout | undefined;
    try {
      const { statusCode, body } = await new Promise<Exchange>((resolve, reject) => {
        this.exchange(url, budget, seen, resolve, reject, (t) => (timer = t));
      });
      const latency = performance.now() - started;
      const ok = statusCode >= 200 && statusCode < 300;
      return {
        at,
        ok,
        latency_ms: Math.round(latency * 10) / 10,
        status_code: statusCode,
        error: ok ? null : `answered HTTP ${statusCode}`,
        failure: ok ? null : 'http-status',
        body,
      };
    } catch (err) {
      const { failure, error } =
        err instanceof ClosedByPeer
          ? { failure: 'unreachable' as const, error: err.message }
          : classifyProbeError(err, budget);
      return {
        at,
        ok: false,
        latency_ms: null,
        status_code: seen.statusCode,
        error: seen.statusCode === null ? error : `${error} (the body did not end)`,
        failure,
        body: null,
      };
    } finally {
      clearTimeout(timer);
    }
  }

  /** One GET of `url`, settled once: resolved with the whole answer, or rejected at the first failure or the deadline. */
  private exchange(
    url: string,
    budget: number,
    seen: { statusCode: number | null },
    resolve: (exchange: Exchange) => void,
    reject: (err: unknown) => void,
    armed: (timer: NodeJS.Timeout) => void,
  ): void {
    let settled = false;
    let peerEnded = false;
    let socketError: Error | null = null;
    const target = requestTarget(url);
    const secure = target.protocol === 'https:';
    if (!secure && target.protocol !== 'http:') throw new TypeError(`Protocol "${target.protocol}" not supported`);
    const req = (secure ? httpsRequest : httpRequest)(target, {
      method: 'GET',
      agent: secure ? this.httpsAgent : this.httpAgent,
      headers: { accept: 'application/json', 'user-agent': 'backend-supervisor-probe' },
    });
    const finish = (err: unknown, exchange?: Exchange): void => {
      if (settled) return;
      settled = true;
      this.inFlight.delete(req);
      if (exchange !== undefined && err === null) resolve(exchange);
      else reject(err);
      // Connection: close already; destroying also ends a body cut at the cap or a stalled connect.
      req.destroy();
    };
    /** A failure as it happened on the wire: a reset's errno first, a FIN as "closed". */
    const failure = (err: Error): unknown => {
      const code = errorCode(err);
      if (code !== undefined && code.startsWith('HPE_')) {
        return Object.assign(new Error(PARSER_PHRASES[code] ?? firstLine(err.message)), { code });
      }
      // OpenSSL's failure reaches node:https as a plain EPROTO whose message is the error queue.
      const tls = code === 'EPROTO' ? /:SSL routines:[^:]*:([^:]+):/.exec(err.message) : null;
      if (tls !== null)
        return Object.assign(new Error(firstLine(err.message)), { code: 'ERR_SSL_HANDSHAKE', reason: tls[1] });
      if (socketError !== null) return socketError;
      if (peerEnded && (code === 'ECONNRESET' || err.message === 'aborted')) return new ClosedByPeer();
      return err;
    };
    this.inFlight.set(req, (err) => finish(err));
    armed(
      setTimeout(
        () => finish(Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' })),
        budget,
      ),
    );
    req.on('socket', (socket: Socket) => {
      socket.once('end', () => (peerEnded = true));
      socket.once('error', (err) => (socketError ??= err));
    });
    let response: IncomingMessage | null = null;
    // Bytes past a whole answer (a body longer than its content-length) fail the parser
    // after the answer; it was whole, and its 'end' still comes.
    req.on('error', (err) => {
      if (response === null || !response.complete) finish(failure(err));
    });
    req.on('response', (res: IncomingMessage) => {
      response = res;
      seen.statusCode = res.statusCode ?? null;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_HEALTH_BODY) finish(null, { statusCode: res.statusCode ?? 0, body: null });
        else chunks.push(chunk);
      });
      res.on('error', (err) => finish(failure(err)));
      res.on('aborted', () => finish(failure(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }))));
      res.on('end', () => finish(null, { statusCode: res.statusCode ?? 0, body: parseJson(chunks) }));
      res.on('close', () => {
        if (!res.complete) finish(failure(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })));
      });
    });
    req.end();
  }

  async close(): Promise<void> {
    // destroy, not wait: a probe in flight ends now, failed, its connect or handshake too.
    for (const fail of [...this.inFlight.values()]) fail(new Error('the probe was closed'));
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** `chunks` joined and parsed as JSON (null if not JSON). */
function parseJson(chunks: Buffer[]): unknown {
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return null;
  }
}

/** The errno-style code of an undici/Node network error (on it or on its cause). */
function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = e?.code ?? e?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Network error codes of a backend that cannot be reached: code → phrase. */
const UNREACHABLE_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
};

/** Codes and names of an aborted or timed-out request. */
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const TIMEOUT_NAMES = new Set(['TimeoutError', 'AbortError']);

/** Error codes of a TLS handshake that failed: Node's `ERR_SSL_*`/`ERR_TLS_*` and OpenSSL's verify codes. */
const TLS_ERROR_CODE = /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/;

/** First non-blank line of a message, trimmed (an OpenSSL error is a multi-line dump). */
function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? text
  );
}

/**
 * Sorts a failed request's error into a {@link ProbeFailure} with a short phrase for people.
 * @param timeoutMs the request's budget, ms, named in a timeout's phrase.
 */
export function classifyProbeError(err: unknown, timeoutMs: number): { failure: ProbeFailure; error: string } {
  const code = errorCode(err);
  const name = (err as { name?: unknown } | null)?.name;
  if ((typeof name === 'string' && TIMEOUT_NAMES.has(name)) || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return { failure: 'no-answer', error: `no answer within ${timeoutMs} ms` };
  }
  if (code !== undefined && LOCAL_RESOURCE_ERRORS[code] !== undefined) {
    return { failure: 'cannot-probe', error: `${code}: ${LOCAL_RESOURCE_ERRORS[code]}` };
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return { failure: 'no-answer', error: `no connection within ${PROBE_CONNECT_TIMEOUT_MS} ms` };
  }
  if (code !== undefined && UNREACHABLE_ERRORS[code] !== undefined) {
    return { failure: 'unreachable', error: UNREACHABLE_ERRORS[code] };
  }
  const e = err as { message?: unknown; reason?: unknown } | null;
  const message = firstLine(typeof e?.message === 'string' ? e.message : String(err));
  // undici's "other side closed": the backend closed the connection (a FIN), no reset.
  if (code === 'UND_ERR_SOCKET' && message === 'other side closed') {
    return { failure: 'unreachable', error: 'connection closed' };
  }
  if (code !== undefined && TLS_ERROR_CODE.test(code)) {
    return { failure: 'other', error: `TLS handshake failed: ${typeof e?.reason === 'string' ? e.reason : message}` };
  }
  return { failure: 'other', error: message };
}

/** Turns an undici/Node network error into a short phrase for people (see {@link classifyProbeError}). */
export function describeNetworkError(err: unknown, timeoutMs: number): string {
  return classifyProbeError(err, timeoutMs).error;
}
