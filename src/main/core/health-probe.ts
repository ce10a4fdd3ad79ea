import { Agent, request } from 'undici';
import type { HealthCheckResult } from '../../shared/status';

/** Body bytes read from a health answer at most (enough for `{"status","instance_id",…}`). */
const MAX_HEALTH_BODY = 64 * 1024;

/** A probe result plus the parsed JSON body when the answer had one. */
export interface ProbeOutcome extends HealthCheckResult {
  body: unknown;
}

/** Performs one HTTP health probe; an interface so tests can script answers. */
export interface HealthProbe {
  /**
   * GETs `url` once. Never throws: a refused connection, a timeout or a non-2xx answer is a
   * failed outcome with `error` saying which. Healthy means any 2xx (backend-contract.md).
   * @param timeoutMs budget for the whole probe, ms.
   */
  probe(url: string, timeoutMs: number): Promise<ProbeOutcome>;
  /** Closes pooled connections. */
  close(): Promise<void>;
}

/** Reads at most `max` bytes of a body and parses it as JSON, or returns null. */
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

/** The real probe: undici with its own agent. Each probe opens a fresh connection
 * (`reset`), so a kept-alive socket to a process that just died never fails a probe of
 * its successor. */
export class HttpHealthProbe implements HealthProbe {
  private readonly agent = new Agent({ connections: 4, pipelining: 0 });

  async probe(url: string, timeoutMs: number): Promise<ProbeOutcome> {
    const at = new Date().toISOString();
    const started = performance.now();
    try {
      const res = await request(url, {
        method: 'GET',
        dispatcher: this.agent,
        reset: true,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
        headers: { accept: 'application/json', 'user-agent': 'backend-supervisor-probe' },
      });
      const latency = performance.now() - started;
      const body = await readSmallJson(res.body, MAX_HEALTH_BODY).catch(() => null);
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      return {
        at,
        ok,
        latency_ms: Math.round(latency * 10) / 10,
        status_code: res.statusCode,
        error: ok ? null : `answered HTTP ${res.statusCode}`,
        body,
      };
    } catch (err) {
      return {
        at,
        ok: false,
        latency_ms: null,
        status_code: null,
        error: describeNetworkError(err, timeoutMs),
        body: null,
      };
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** Turns an undici/Node network error into a short phrase for people. */
export function describeNetworkError(err: unknown, timeoutMs: number): string {
  const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  if (
    e.name === 'TimeoutError' ||
    e.name === 'AbortError' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT'
  ) {
    return `no answer within ${timeoutMs} ms`;
  }
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  return e.message ?? String(err);
}
