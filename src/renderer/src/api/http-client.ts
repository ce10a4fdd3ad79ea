import {
  ApiError,
  type Channel,
  type ChannelArgs,
  type ChannelResult,
  type EventName,
  type EventPayload,
} from '../../../shared/contract';
import { CLIENT_ERROR_CODES, errorMessage, isEventName, parseEventPayload, unwrapEnvelope } from './envelope';
import { ListenerRegistry } from './listeners';
import { SseParser, type SseFrame } from './sse-parser';
import { createTokenStore, type TokenStore } from './token-store';
import type { ConnectionState, SupervisorClient } from './types';

/** Options of {@link createHttpClient}; every one has a default for the browser. */
export interface HttpClientOptions {
  /** Origin (and optional prefix) of the control server; `''` means this page's origin. */
  baseUrl?: string;
  /** The fetch to use (tests pass a fake). */
  fetch?: typeof fetch;
  /** Where the control token lives (localStorage by default). */
  tokens?: TokenStore;
  /** First reconnect delay, ms; doubles after each failed attempt. @default 500 */
  initialRetryMs?: number;
  /** Cap on the reconnect delay, ms. @default 10000 */
  maxRetryMs?: number;
  /**
   * A stream that sends nothing (not even a `: ping`) for this long is taken as dead and
   * reopened, ms. @default 45000 (three missed heartbeats of the server's 15 s)
   */
  idleTimeoutMs?: number;
  /** Open the event stream at once. @default true */
  autoConnect?: boolean;
}

/** A connection that lasted this long counts as good: the next retry starts from the first delay. */
const STABLE_CONNECTION_MS = 5_000;

/**
 * The client of the headless dashboard, same origin as the page:
 * - calls: `POST /api/v1/rpc/<channel>` with `{"args": [...]}` and the bearer token, the
 *   JSON envelope unwrapped and checked against the contract;
 * - events: `GET /api/v1/events` read with fetch + a stream reader (EventSource cannot send
 *   an Authorization header), reopened with backoff when it ends or fails;
 * - a 401 forgets the token and moves to `token-needed` until {@link SupervisorClient.submitToken}.
 */
export function createHttpClient(options: HttpClientOptions = {}): SupervisorClient {
  return new HttpClient(options);
}

class HttpClient implements SupervisorClient {
  readonly transport = 'http' as const;
  private readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;
  private readonly tokens: TokenStore;
  private readonly initialRetryMs: number;
  private readonly maxRetryMs: number;
  private readonly idleTimeoutMs: number;
  private readonly listeners = new ListenerRegistry();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private state: ConnectionState;
  /** Bumped by every (re)connect and by dispose: a loop of an older generation stops. */
  private generation = 0;
  private abort: AbortController | undefined;
  private disposed = false;

  constructor(options: HttpClientOptions) {
    this.baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
    // Bound so that a browser's fetch is not called with a foreign `this`.
    this.fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.tokens = options.tokens ?? createTokenStore();
    this.initialRetryMs = options.initialRetryMs ?? 500;
    this.maxRetryMs = options.maxRetryMs ?? 10_000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 45_000;
    this.state = this.tokens.get() ? 'connecting' : 'token-needed';
    if (options.autoConnect ?? true) this.connect();
  }

  // ----- SupervisorApi -----

  async invoke<C extends Channel>(channel: C, ...args: ChannelArgs<C>): Promise<ChannelResult<C>> {
    const token = this.tokens.get();
    if (!token) {
      this.setState('token-needed');
      throw new ApiError({ code: CLIENT_ERROR_CODES.unauthorized, message: 'A control token is needed' });
    }
    try {
      return await this.call(channel, args, token);
    } catch (error) {
      if (error instanceof UnauthorizedError) this.refuseToken(token);
      throw error;
    }
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    return this.listeners.add(event, listener);
  }

  // ----- ConnectionSource -----

  getState(): ConnectionState {
    return this.state;
  }

  subscribe(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => {
      this.stateListeners.delete(listener);
    };
  }

  async submitToken(token: string): Promise<void> {
    const candidate = token.trim();
    if (!candidate) throw new ApiError({ code: CLIENT_ERROR_CODES.unauthorized, message: 'Enter the control token' });
    try {
      // Check it before storing, so a typo is reported in the form instead of a loop of 401s.
      await this.call('backend:status', [], candidate);
    } catch (error) {
      if (error instanceof UnauthorizedError) {
        throw new ApiError({ code: CLIENT_ERROR_CODES.unauthorized, message: 'The server refused this token' });
      }
      // Any other failure (server down, bad answer) says nothing against the token: keep it
      // and let the event loop retry.
    }
    this.tokens.set(candidate);
    this.connect();
  }

  dispose(): void {
    this.disposed = true;
    this.generation++;
    this.abort?.abort();
    this.stateListeners.clear();
  }

  // ----- calls -----

  /** One RPC with `token`; throws `UnauthorizedError` on 401 and `ApiError` on other failures. */
  private async call<C extends Channel>(
    channel: C,
    args: readonly unknown[],
    token: string,
  ): Promise<ChannelResult<C>> {
    // JSON has no `undefined`: `[undefined]` would travel as `[null]` and fail the
    // server's tuple check, so trailing omitted arguments are dropped.
    const sent = [...args];
    while (sent.length > 0 && sent[sent.length - 1] === undefined) sent.pop();

    let response: Response;
    let text: string;
    try {
      response = await this.fetchFn(`${this.baseUrl}/api/v1/rpc/${encodeURIComponent(channel)}`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/json',
          Accept: 'application/json',
        },
        body: JSON.stringify({ args: sent }),
      });
      text = await response.text();
    } catch (error) {
      throw new ApiError({
        code: CLIENT_ERROR_CODES.network,
        message: `Cannot reach the supervisor: ${errorMessage(error)}`,
      });
    }

    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (response.status === 401) {
      const message = readErrorMessage(body) ?? 'The control token was refused';
      throw new UnauthorizedError(message);
    }
    if (body === undefined) {
      throw new ApiError({
        code: CLIENT_ERROR_CODES.badResponse,
        message: `HTTP ${response.status} ${response.statusText}`.trim() + ` on ${channel}: the answer is not JSON`,
      });
    }
    if (!response.ok && isOkEnvelope(body)) {
      throw new ApiError({
        code: CLIENT_ERROR_CODES.badResponse,
        message: `HTTP ${response.status} on ${channel} with a success envelope`,
      });
    }
    return unwrapEnvelope(channel, body);
  }

  /** Forgets `token` after a 401, unless a newer one was entered meanwhile. */
  private refuseToken(token: string): void {
    if (this.tokens.get() !== token) return;
    this.tokens.clear();
    this.generation++;
    this.abort?.abort();
    this.setState('token-needed');
  }

  // ----- events -----

  /** (Re)starts the event loop from its first attempt. */
  private connect(): void {
    if (this.disposed) return;
    this.generation++;
    this.abort?.abort();
    void this.loop(this.generation);
  }

  private async loop(generation: number): Promise<void> {
    let delay = this.initialRetryMs;
    let first = true;
    while (generation === this.generation) {
      const token = this.tokens.get();
      if (!token) {
        this.setState('token-needed');
        return;
      }
      this.setState(first ? 'connecting' : 'reconnecting');
      first = false;

      const controller = new AbortController();
      this.abort = controller;
      let openedAt: number | undefined;
      try {
        const outcome = await this.readStream(token, controller, () => {
          if (generation !== this.generation) return;
          openedAt = Date.now();
          this.setState('connected');
        });
        if (outcome === 'unauthorized' && generation === this.generation) {
          this.refuseToken(token);
          return;
        }
      } catch {
        // A network error, an abort or a parser overflow: all mean "reconnect".
      }
      if (generation !== this.generation) return;
      if (openedAt !== undefined && Date.now() - openedAt >= STABLE_CONNECTION_MS) delay = this.initialRetryMs;
      this.setState('reconnecting');
      await sleep(delay);
      delay = Math.min(delay * 2, this.maxRetryMs);
    }
  }

  /** Reads one event stream to its end; resolves `'unauthorized'` on a 401. */
  private async readStream(
    token: string,
    controller: AbortController,
    onOpen: () => void,
  ): Promise<'ended' | 'unauthorized'> {
    let idle: ReturnType<typeof setTimeout> | undefined;
    const armIdle = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => controller.abort(), this.idleTimeoutMs);
    };
    try {
      armIdle();
      const response = await this.fetchFn(`${this.baseUrl}/api/v1/events`, {
        headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' },
        signal: controller.signal,
      });
      if (response.status === 401) {
        await response.body?.cancel().catch(() => {});
        return 'unauthorized';
      }
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status} on the event stream`);
      onOpen();

      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      const parser = new SseParser();
      try {
        for (;;) {
          armIdle();
          const { done, value } = await reader.read();
          if (done) break;
          for (const frame of parser.push(decoder.decode(value, { stream: true }))) this.dispatch(frame);
        }
      } finally {
        reader.cancel().catch(() => {});
      }
      return 'ended';
    } finally {
      clearTimeout(idle);
    }
  }

  private dispatch(frame: SseFrame): void {
    if (!isEventName(frame.event)) return;
    let raw: unknown;
    try {
      raw = JSON.parse(frame.data);
    } catch {
      console.warn(`Dropped a ${frame.event} event whose data is not JSON`);
      return;
    }
    this.emit(frame.event, raw);
  }

  private emit<E extends EventName>(event: E, raw: unknown): void {
    const payload = parseEventPayload(event, raw);
    if (payload !== undefined) this.listeners.emit(event, payload);
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    for (const listener of [...this.stateListeners]) listener(state);
  }
}

/** A 401 from the server; carries the contract's `UNAUTHORIZED` code. */
class UnauthorizedError extends ApiError {
  constructor(message: string) {
    super({ code: CLIENT_ERROR_CODES.unauthorized, message });
  }
}

function readErrorMessage(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const error = (body as { error: unknown }).error;
  if (typeof error === 'object' && error !== null && 'message' in error) {
    const message = (error as { message: unknown }).message;
    if (typeof message === 'string') return message;
  }
  return undefined;
}

function isOkEnvelope(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { ok?: unknown }).ok === true;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
