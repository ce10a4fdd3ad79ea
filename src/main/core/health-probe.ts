// Not undici's index: it loads all of undici (fetch, WebSocket, caches, mocks: ~740 kB of
// source, ~3 MB of heap, ~100 ms at each start) where the probe needs its Agent and request.
import Agent from 'undici/lib/dispatcher/agent.js';
import requestOn from 'undici/lib/api/api-request.js';
import type { HealthCheckResult } from '../../shared/status';
import { timerMs } from './timer-ms';

/**
 * Body bytes read from a health answer at most (64 KiB: enough for `{"status","instance_id",…}`
 * and a list of checks). Reading stops there and the connection is closed: a 2xx whose body
 * is longer (1 GB, or endless) is healthy by its status, read no further, its body not parsed.
 */
export const MAX_HEALTH_BODY = 64 * 1024;

/**
 * Longest a probe's TCP connect and TLS handshake may take, ms (undici's default, made
 * explicit). A probe's own budget ends it sooner; this only bounds how long an abandoned
 * connect lingers in the pool (undici does not abort a connect on the request's signal).
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

/** Reads at most `max` bytes of a body and parses it as JSON (null if not JSON or too big). Throws if the read fails. */
async function readSmallJson(body: AsyncIterable<Buffer>, max: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) return null;
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return null;
  }
}

/** The origin and path (with its query) of `url`, as a dispatcher takes them. @throws TypeError on a URL that does not parse. */
function originAndPath(url: string): { origin: string; path: string } {
  const parsed = new URL(url);
  return { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
}

/** Rejects with the signal's reason when it aborts (undici ignores it while connecting). */
function whenAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}

/**
 * The real probe: undici with its own agent. Each probe opens a fresh connection
 * (`reset`), so a kept-alive socket to a process that just died never fails a probe of
 * its successor. The body is read to its end within the same deadline as the headers: a
 * backend whose health handler stalls after the status line is not healthy, and reading
 * only the status line would report 1 ms for an answer that never completes. The deadline
 * is raced, not only handed to undici: undici does not abort a pending connect, so a
 * backend whose accept queue is full, or a TLS handshake that stalls, would take
 * {@link PROBE_CONNECT_TIMEOUT_MS} whatever the budget.
 */
export class HttpHealthProbe implements HealthProbe {
  private readonly agent = new Agent({ connections: 4, pipelining: 0, connect: { timeout: PROBE_CONNECT_TIMEOUT_MS } });

  async probe(url: string, timeoutMs: number): Promise<ProbeOutcome> {
    const budget = timerMs(timeoutMs, 1);
    const at = new Date().toISOString();
    const started = performance.now();
    // Not AbortSignal.timeout: its timer cannot be cleared, so every probe, each startup
    // probe too, left one that woke the process once more at the end of the budget.
    const aborter = new AbortController();
    const timer = setTimeout(
      () => aborter.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
      budget,
    );
    const { signal } = aborter;
    const deadline = whenAborted(signal);
    let statusCode: number | null = null;
    try {
      const res = await Promise.race([
        requestOn.call(this.agent, {
          ...originAndPath(url),
          method: 'GET',
          reset: true,
          headersTimeout: budget,
          bodyTimeout: budget,
          signal,
          headers: { accept: 'application/json', 'user-agent': 'backend-supervisor-probe' },
        }),
        deadline,
      ]);
      statusCode = res.statusCode;
      const body = await Promise.race([readSmallJson(res.body, MAX_HEALTH_BODY), deadline]);
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
      const { failure, error } = classifyProbeError(err, budget);
      return {
        at,
        ok: false,
        latency_ms: null,
        status_code: statusCode,
        error: statusCode === null ? error : `${error} (the body did not end)`,
        failure,
        body: null,
      };
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    // destroy, not close: close waits for in-flight requests, and a connect that undici
    // does not abort holds it for up to PROBE_CONNECT_TIMEOUT_MS.
    await this.agent.destroy();
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
