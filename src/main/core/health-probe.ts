import { Agent, request } from 'undici';
import type { HealthCheckResult } from '../../shared/status';
import { timerMs } from './timer-ms';

/** Body bytes read from a health answer at most (enough for `{"status","instance_id",…}`). */
const MAX_HEALTH_BODY = 64 * 1024;

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
   * Healthy means any 2xx (backend-contract.md) whose body ends within the timeout;
   * `latency_ms` is until the body ended.
   * @param timeoutMs budget for the whole probe (connect, headers and body), ms; made a
   *   whole number ≥ 1 (`AbortSignal.timeout` throws on a fraction).
   */
  probe(url: string, timeoutMs: number): Promise<ProbeOutcome>;
  /** Closes pooled connections. */
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

/**
 * The real probe: undici with its own agent. Each probe opens a fresh connection
 * (`reset`), so a kept-alive socket to a process that just died never fails a probe of
 * its successor. The body is read to its end within the same deadline as the headers: a
 * backend whose health handler stalls after the status line is not healthy, and reading
 * only the status line would report 1 ms for an answer that never completes.
 */
export class HttpHealthProbe implements HealthProbe {
  private readonly agent = new Agent({ connections: 4, pipelining: 0 });

  async probe(url: string, timeoutMs: number): Promise<ProbeOutcome> {
    const budget = timerMs(timeoutMs, 1);
    const at = new Date().toISOString();
    const started = performance.now();
    let statusCode: number | null = null;
    try {
      const res = await request(url, {
        method: 'GET',
        dispatcher: this.agent,
        reset: true,
        headersTimeout: budget,
        bodyTimeout: budget,
        signal: AbortSignal.timeout(budget),
        headers: { accept: 'application/json', 'user-agent': 'backend-supervisor-probe' },
      });
      statusCode = res.statusCode;
      const body = await readSmallJson(res.body, MAX_HEALTH_BODY);
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
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
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
  UND_ERR_SOCKET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
};

/** Codes and names of an aborted or timed-out request. */
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const TIMEOUT_NAMES = new Set(['TimeoutError', 'AbortError']);

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
  if (code !== undefined && UNREACHABLE_ERRORS[code] !== undefined) {
    return { failure: 'unreachable', error: UNREACHABLE_ERRORS[code] };
  }
  const message = (err as { message?: unknown } | null)?.message;
  return { failure: 'other', error: typeof message === 'string' ? message : String(err) };
}

/** Turns an undici/Node network error into a short phrase for people (see {@link classifyProbeError}). */
export function describeNetworkError(err: unknown, timeoutMs: number): string {
  return classifyProbeError(err, timeoutMs).error;
}
