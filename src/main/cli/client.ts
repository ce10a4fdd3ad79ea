/**
 * The client's HTTP calls to the control API (undici), each answer's failure turned into the
 * error that carries its exit code: no answer is {@link UnreachableError} (3), an answer
 * that says no is {@link CommandFailedError} (1).
 */
// Not undici's index (fetch, WebSocket, caches: most of its source), as the health probe.
import Agent from 'undici/lib/dispatcher/agent.js';
import requestOn from 'undici/lib/api/api-request.js';
import type { Dispatcher } from 'undici';
import type { Channel, ChannelArgs, ChannelResult } from '../../shared/contract';
import { CommandFailedError, UnreachableError, type CliMessage, type CliText } from './errors';
import { sourceText, type Target } from './locate';
import { printable } from './table';

/** Longest a connect may take, ms: a supervisor on this machine answers in microseconds. */
export const CONNECT_TIMEOUT_MS = 5_000;
/** Longest a read (status, logs, incidents) waits for the answer's headers, ms. */
export const READ_TIMEOUT_MS = 60_000;
/**
 * Longest a command (start, stop, restart, reload) waits, ms: a start answers once the service
 * is healthy or has given up, a stop after the grace periods; 15 minutes covers the longest
 * startup and stop budgets the settings allow, a hung server still ends.
 */
export const COMMAND_TIMEOUT_MS = 15 * 60_000;

/**
 * Most bytes of one answer's body read: the largest a supervisor sends is a page of log
 * lines, at most 32 Mi characters of JSON (LOG_ANSWER_MAX_CHARS in log-ring.ts), so up to
 * 96 MiB in UTF-8; 128 MiB. More is not a supervisor talking, and reading it whole would
 * take the machine's memory (a server that never ends its answer).
 */
export const MAX_ANSWER_BYTES = 128 * 1024 * 1024;

/** A supervisor's answer: its HTTP status and its parsed JSON body. */
export interface Answer {
  status: number;
  body: unknown;
}

/** The error message and code in any of the API's failure shapes (REST, RPC envelope, access guard). */
export function failureOf(body: unknown): { message: string | null; code: string | null } {
  if (typeof body !== 'object' || body === null) return { message: null, code: null };
  const b = body as { error?: unknown; code?: unknown; message?: unknown };
  if (typeof b.error === 'object' && b.error !== null) {
    const e = b.error as { message?: unknown; code?: unknown };
    return {
      message: typeof e.message === 'string' ? e.message : null,
      code: typeof e.code === 'string' ? e.code : null,
    };
  }
  return {
    message: typeof b.error === 'string' ? b.error : typeof b.message === 'string' ? b.message : null,
    code: typeof b.code === 'string' ? b.code : null,
  };
}

/** Network errors' codes that mean "nobody answered there" (as opposed to a bug), with the locale key of what it means. */
const UNREACHABLE_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'cli.net.refused',
  ECONNRESET: 'cli.net.reset',
  EHOSTUNREACH: 'cli.net.hostUnreachable',
  ENETUNREACH: 'cli.net.networkUnreachable',
  ENOTFOUND: 'cli.net.unknownHost',
  EAI_AGAIN: 'cli.net.lookupFailed',
  UND_ERR_CONNECT_TIMEOUT: 'cli.net.connectTimeout',
  UND_ERR_HEADERS_TIMEOUT: 'cli.net.noAnswer',
  UND_ERR_SOCKET: 'cli.net.closed',
  UND_ERR_CLOSED: 'cli.net.closed',
};

/** Talks to one supervisor; {@link close} when done (its connections keep the process alive). */
export class ControlClient {
  private readonly agent = new Agent({ connect: { timeout: CONNECT_TIMEOUT_MS } });

  constructor(readonly target: Target) {}

  /** Where it talks to, for messages: the URL and where it came from. */
  private where(): CliMessage {
    const { url, urlSource } = this.target;
    return urlSource === '--url' ? url : { key: 'cli.error.from', values: { url, source: sourceText(urlSource) } };
  }

  /**
   * One request. Resolves with the answer (any status); the body is read whole, within
   * `timeoutMs` of the headers and up to {@link MAX_ANSWER_BYTES}.
   * @throws UnreachableError when no answer came; UnreachableError too when the answer is
   * not JSON, larger than {@link MAX_ANSWER_BYTES} or not over in time (something else
   * listens there); CommandFailedError for 401/403 (the token).
   */
  async call(method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = READ_TIMEOUT_MS): Promise<Answer> {
    const data = await this.send(method, path, body, timeoutMs, 'application/json');
    const text = await this.bodyText(data, timeoutMs);
    let parsed: unknown;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      throw new UnreachableError({
        key: 'cli.error.notJson',
        values: { where: this.where(), status: data.statusCode },
      });
    }
    this.checkAccess(data.statusCode, parsed);
    return { status: data.statusCode, body: parsed };
  }

  /**
   * GETs a JSON resource.
   * @throws CommandFailedError for a non-2xx answer (its message and code), or as {@link call}.
   */
  async get(path: string): Promise<unknown> {
    return this.ok(await this.call('GET', path));
  }

  /**
   * Calls an RPC channel (`POST /api/v1/rpc/<channel>`, `{"args": [...]}`) and unwraps its envelope.
   * @throws CommandFailedError when the envelope says `ok: false`, or as {@link call}.
   */
  async rpc<C extends Channel>(channel: C, ...args: ChannelArgs<C>): Promise<ChannelResult<C>> {
    const answer = await this.call('POST', `/api/v1/rpc/${channel}`, { args });
    const envelope = answer.body as { ok?: unknown; data?: unknown } | null;
    if (answer.status >= 300 || !envelope || envelope.ok !== true) this.fail(answer);
    return envelope.data as ChannelResult<C>;
  }

  /**
   * Opens the event stream (`GET /api/v1/events`) and resolves once the server answered it
   * (subscribed from then on). The body is the raw `text/event-stream`; `signal` ends it.
   * @throws UnreachableError, or CommandFailedError for a refusal (503: too many streams).
   */
  async events(signal: AbortSignal): Promise<AsyncIterable<Buffer>> {
    const data = await this.send('GET', '/api/v1/events', undefined, READ_TIMEOUT_MS, 'text/event-stream', signal);
    if (data.statusCode !== 200) {
      const text = await this.bodyText(data, READ_TIMEOUT_MS).catch(() => '');
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: the status says it
      }
      this.checkAccess(data.statusCode, parsed);
      this.fail({ status: data.statusCode, body: parsed });
    }
    // Anything else would be read for ever as a stream with no event in it.
    const type = String(data.headers['content-type'] ?? '');
    if (!/^text\/event-stream\b/i.test(type)) {
      data.body.destroy();
      throw new UnreachableError(
        type === ''
          ? { key: 'cli.error.noType', values: { where: this.where() } }
          : { key: 'cli.error.notStream', values: { where: this.where(), type: printable(type) } },
      );
    }
    return data.body;
  }

  /**
   * The body as text, read up to {@link MAX_ANSWER_BYTES} and within `timeoutMs` (undici's
   * body timeout is per chunk: a byte a minute would never end).
   * @throws UnreachableError for a larger or slower body, or one that broke off.
   */
  private async bodyText(data: Dispatcher.ResponseData, timeoutMs: number): Promise<string> {
    const declared = Number(data.headers['content-length'] ?? NaN);
    const tooLarge = (): UnreachableError =>
      new UnreachableError({
        key: 'cli.error.tooLarge',
        values: { where: this.where(), mib: MAX_ANSWER_BYTES / 1024 / 1024 },
      });
    const tooSlow = (): UnreachableError =>
      new UnreachableError({ key: 'cli.error.tooSlow', values: { where: this.where(), seconds: timeoutMs / 1000 } });
    if (declared > MAX_ANSWER_BYTES) {
      data.body.destroy();
      throw tooLarge();
    }
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      data.body.destroy();
    }, timeoutMs);
    const chunks: Buffer[] = [];
    let bytes = 0;
    try {
      for await (const chunk of data.body as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        if (bytes > MAX_ANSWER_BYTES) throw tooLarge();
        chunks.push(chunk);
      }
    } catch (err) {
      data.body.destroy();
      if (late) throw tooSlow();
      if (err instanceof UnreachableError) throw err;
      throw new UnreachableError({ key: 'cli.error.brokeOff', values: { where: this.where() } });
    } finally {
      clearTimeout(timer);
    }
    if (late) throw tooSlow();
    return Buffer.concat(chunks).toString('utf8');
  }

  /** Closes the connections (an open event stream too). */
  async close(): Promise<void> {
    await this.agent.destroy();
  }

  /** The body of a 2xx answer. @throws CommandFailedError for any other. */
  ok(answer: Answer): unknown {
    if (answer.status < 200 || answer.status >= 300) this.fail(answer);
    return answer.body;
  }

  /** @throws CommandFailedError with the answer's message and code. */
  fail(answer: Answer): never {
    const { message, code } = failureOf(answer.body);
    // The supervisor's own words and code, as it sent them.
    const said = `${message ?? `HTTP ${answer.status}`}${code ? ` (${code})` : ''}`;
    throw new CommandFailedError(said, answer.status, code);
  }

  /** A refused token is the caller's to fix: says which token and where it came from. */
  private checkAccess(status: number, body: unknown): void {
    if (status !== 401 && status !== 403) return;
    const { message, code } = failureOf(body);
    if (status === 403 && code === 'FORBIDDEN' && this.target.readOnly) {
      throw new CommandFailedError(
        { key: 'cli.error.readOnly', values: { source: this.target.tokenSource } },
        status,
        code,
      );
    }
    if (status === 401) {
      const refused: CliText = {
        key: 'cli.error.refused',
        values: { where: this.where(), source: this.target.tokenSource, why: message ?? 'unauthorized' },
      };
      throw new CommandFailedError(refused, status, code);
    }
  }

  private async send(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    timeoutMs: number,
    accept: string,
    signal?: AbortSignal,
  ): Promise<Dispatcher.ResponseData> {
    const url = new URL(this.target.url);
    const headers: Record<string, string> = { authorization: `Bearer ${this.target.token}`, accept };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await requestOn.call(this.agent, {
        origin: url.origin,
        path: `${url.pathname.replace(/\/$/, '')}${path}`,
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        headersTimeout: timeoutMs,
        // The event stream is quiet between heartbeats; the other bodies follow their headers at once.
        bodyTimeout: accept === 'text/event-stream' ? 0 : timeoutMs,
        signal,
      });
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      const why = UNREACHABLE_CODES[code];
      if (why)
        throw new UnreachableError({
          key: 'cli.error.unreachable',
          values: { where: this.where(), why: { key: why } },
        });
      throw err;
    }
  }
}
