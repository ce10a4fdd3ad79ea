import { Pool, errors as undiciErrors } from 'undici';
import { describeNetworkError } from '../core/health-probe';
import { HttpError, NetworkError, ResponseTooLargeError, TimeoutError } from './errors';

/** Largest answer body read, bytes (10 MiB); a larger one is aborted. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Options of one request. */
export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  token?: string | null;
  /** Whole-request budget, ms (default: the transport's). */
  timeoutMs?: number;
}

/** A parsed answer: status, headers (lower-case names) and the JSON body (null for 204). */
export interface JsonResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** Settings of the transport. */
export interface HttpTransportOptions {
  baseUrl: string;
  /** Per-request timeout, ms. */
  timeoutMs?: number;
  /** Attempts for idempotent requests on network errors and 502/503/504 (1 = no retry). */
  maxAttempts?: number;
  /** First retry delay, ms; doubles per attempt, with full jitter. */
  retryBaseMs?: number;
  maxBodyBytes?: number;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
const RETRYABLE_STATUS = new Set([502, 503, 504]);

/**
 * JSON over HTTP to the backend on one undici pool (keep-alive). Each request has a
 * timeout; bodies are capped; idempotent requests are retried with exponential backoff and
 * full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter") on network errors
 * and 502/503/504 only. Errors are typed: NetworkError, TimeoutError, HttpError (with the
 * backend's `code`), ResponseTooLargeError.
 */
export class HttpTransport {
  private readonly pool: Pool;
  private readonly origin: string;
  private readonly basePath: string;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  private readonly maxBodyBytes: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(options: HttpTransportOptions) {
    const url = new URL(options.baseUrl);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/$/, '');
    this.pool = new Pool(this.origin, { connections: 8, keepAliveTimeout: 10_000 });
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.retryBaseMs = options.retryBaseMs ?? 100;
    this.maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = options.random ?? Math.random;
  }

  /** Sends one request (retrying where safe); resolves with a 2xx answer. @throws the typed errors above. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<JsonResponse> {
    const attempts = IDEMPOTENT.has(method) ? this.maxAttempts : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(method, path, options);
      } catch (err) {
        const retryable =
          err instanceof NetworkError || (err instanceof HttpError && RETRYABLE_STATUS.has(err.status ?? 0));
        if (!retryable || attempt >= attempts) throw err;
        await this.sleep(Math.floor(this.random() * this.retryBaseMs * 2 ** (attempt - 1)));
      }
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async once(method: string, path: string, options: RequestOptions): Promise<JsonResponse> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const query = Object.entries(options.query ?? {}).filter(([, v]) => v !== undefined);
    const search = query.length
      ? `?${new URLSearchParams(query.map(([k, v]): [string, string] => [k, String(v)])).toString()}`
      : '';
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const signal = AbortSignal.timeout(timeoutMs);
    let res;
    try {
      res = await this.pool.request({
        method: method as 'GET',
        path: `${this.basePath}${path}${search}`,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
    } catch (err) {
      throw this.mapError(err, method, path, timeoutMs);
    }
    let text: string;
    try {
      text = await this.readCapped(res.body, method, path);
    } catch (err) {
      if (err instanceof ResponseTooLargeError) throw err;
      throw this.mapError(err, method, path, timeoutMs);
    }
    const contentType = String(res.headers['content-type'] ?? '');
    let body: unknown = null;
    let parsed = false;
    if (text.length > 0 && /json/i.test(contentType)) {
      try {
        body = JSON.parse(text);
        parsed = true;
      } catch {
        parsed = false;
      }
    }
    if (res.statusCode < 200 || res.statusCode >= 300) {
      const errBody = parsed ? (body as { error?: unknown; code?: unknown }) : null;
      const backendMessage = typeof errBody?.error === 'string' ? errBody.error : null;
      const backendCode = typeof errBody?.code === 'string' ? errBody.code : null;
      const what = backendMessage ?? (text.trim().startsWith('<') ? 'an HTML page' : text.slice(0, 200) || 'no body');
      throw new HttpError(res.statusCode, `${method} ${path}: HTTP ${res.statusCode}: ${what}`, backendCode);
    }
    if (text.length > 0 && !parsed) {
      throw new HttpError(
        res.statusCode,
        `${method} ${path}: the backend answered ${res.statusCode} but not with JSON (${contentType || 'no content type'})`,
        null,
      );
    }
    return { status: res.statusCode, headers: res.headers, body };
  }

  private async readCapped(
    body: AsyncIterable<Buffer> & { destroy?: () => void },
    method: string,
    path: string,
  ): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      if (size > this.maxBodyBytes) {
        body.destroy?.();
        throw new ResponseTooLargeError(method, path, this.maxBodyBytes);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private mapError(err: unknown, method: string, path: string, timeoutMs: number): Error {
    const e = err as { name?: string; code?: string };
    if (
      e.name === 'TimeoutError' ||
      err instanceof undiciErrors.HeadersTimeoutError ||
      err instanceof undiciErrors.BodyTimeoutError ||
      e.code === 'UND_ERR_HEADERS_TIMEOUT' ||
      e.code === 'UND_ERR_BODY_TIMEOUT' ||
      e.name === 'AbortError'
    ) {
      return new TimeoutError(method, path, timeoutMs);
    }
    return new NetworkError(`${method} ${path}: ${describeNetworkError(err, timeoutMs)}`);
  }
}
