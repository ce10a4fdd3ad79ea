import { Socket } from 'node:net';
import pg from 'pg';
import { classifyProbeError, type HealthProbe, type ProbeFailure, type ProbeOutcome } from '../health-probe';
import { timerMs } from '../timer-ms';
import { failedOutcome } from './failed-outcome';

/** What a masked secret reads as. */
const MASK = '***';

/** Query parameters that carry a secret in a libpq connection URI (`?password=…`, `?sslpassword=…`). */
const SECRET_PARAM = /pass/i;

/**
 * A connection URL fit to show: its password (`user:secret@`) and any query parameter
 * named like a password (`?password=`, `?sslpassword=`) replaced by `***`. A string that is
 * not a URL is masked by pattern the same way (over-masking rather than under). Returned
 * unchanged when there is nothing to mask.
 */
export function maskPassword(url: string): string {
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    parsed = null;
  }
  if (parsed === null) {
    return url.replace(/^([^:/]+:\/\/[^/:@]*:).*@/s, `$1${MASK}@`).replace(/(pass[a-z]*=)[^&\s]*/gi, `$1${MASK}`);
  }
  let changed = false;
  if (parsed.password !== '') {
    parsed.password = MASK;
    changed = true;
  }
  for (const key of [...new Set(parsed.searchParams.keys())]) {
    if (SECRET_PARAM.test(key)) {
      parsed.searchParams.set(key, MASK);
      changed = true;
    }
  }
  return changed ? parsed.toString() : url;
}

/** The secrets of a connection URL as they may appear in text: raw and percent-decoded. */
function secretsOf(url: string): string[] {
  const found = new Set<string>();
  try {
    const parsed = new URL(url);
    const add = (s: string): void => {
      if (s === '') return;
      found.add(s);
      try {
        found.add(decodeURIComponent(s));
      } catch {
        // a malformed escape: the raw form is enough
      }
    };
    add(parsed.password);
    for (const [key, value] of parsed.searchParams) if (SECRET_PARAM.test(key)) add(value);
  } catch {
    // not a URL: pg cannot connect with it either, and its error does not quote it
  }
  return [...found].sort((a, b) => b.length - a.length);
}

/** A probe ended because {@link PostgresProbe.close} was called. */
const CLOSED = 'the probe was closed';

/** Longest a successful probe's goodbye (Terminate) may take, after its outcome, before its socket is destroyed, ms. */
const GOODBYE_MS = 1_000;

/** Rejection of the probe's own deadline. */
class ProbeDeadline extends Error {
  override readonly name = 'TimeoutError';
}

/** Messages of pg's own timeouts (connect and query read). */
const PG_TIMEOUTS = new Set([
  'timeout expired',
  'Connection terminated due to connection timeout',
  'Query read timeout',
]);

/**
 * Health by `SELECT 1` on a fresh connection (Compose's `pg_isready`-style check, but
 * logged in: a server that is up yet refuses the role, the password or the database is
 * not healthy for the services that need it). Each probe opens a new `pg.Client` and always
 * ends it: a clean Terminate after a success, the socket destroyed after a failure or at the
 * deadline, so no probe leaves a connection behind.
 */
export class PostgresProbe implements HealthProbe {
  private readonly secrets: string[];
  private readonly inFlight = new Set<() => void>();
  /** Drops the socket of each healthy probe still saying goodbye (see {@link probe}). */
  private readonly goodbyes = new Set<() => void>();
  private closed = false;

  /** @param url the real connection URL (`postgres://user:password@host:port/db?…`); it is never shown. */
  constructor(private readonly url: string) {
    this.secrets = secretsOf(url);
  }

  /**
   * Connects, runs `SELECT 1`, disconnects. Never throws. Healthy on a result within the
   * timeout. A server that answers but refuses (authentication failed, no such database,
   * "the database system is starting up", 57P03) is `other` with the server's message and
   * SQLSTATE; refused, reset, closed or an unknown host `unreachable`; nothing within the
   * timeout `no-answer`; out of file descriptors here `cannot-probe`. The password never
   * appears in `error`.
   * @param _target ignored: the display string the supervisor shows (password masked); the
   *   probe uses the URL it was constructed with.
   * @param timeoutMs budget for connect, authentication and query together, ms; made a whole number ≥ 1.
   */
  async probe(_target: string, timeoutMs: number): Promise<ProbeOutcome> {
    const budget = timerMs(timeoutMs, 1);
    const at = new Date().toISOString();
    const started = performance.now();
    const failed = (failure: ProbeFailure, error: string): ProbeOutcome =>
      failedOutcome(at, failure, this.redact(error));
    if (this.closed) return failed('cannot-probe', CLOSED);

    const own: { socket: Socket | null } = { socket: null };
    let client: pg.Client;
    try {
      client = new pg.Client({
        connectionString: this.url,
        connectionTimeoutMillis: budget,
        query_timeout: budget,
        statement_timeout: budget,
        application_name: 'backend-supervisor-probe',
        // The probe's own socket, so that it can be destroyed whatever state pg is in.
        stream: () => (own.socket = new Socket()),
      });
    } catch (err) {
      return failed('other', `invalid connection URL: ${messageOf(err)}`);
    }
    client.on('error', () => undefined); // errors after connect reach the promises below too

    let timer: NodeJS.Timeout | undefined;
    let stop: () => void = () => undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new ProbeDeadline()), budget);
      stop = () => reject(new Error(CLOSED));
    });
    this.inFlight.add(stop);
    let answered = false;
    try {
      await Promise.race([client.connect().then(() => client.query('SELECT 1')), deadline]);
      const latency = performance.now() - started;
      answered = true;
      // A clean goodbye keeps "unexpected EOF on client connection" out of the server's log. It
      // goes on after the outcome: waiting for the server to close (2–20 ms) would delay the
      // `running` of a starting PostgreSQL, and its dependents' start, by as much.
      const drop = (): void => void own.socket?.destroy();
      this.goodbyes.add(drop);
      void within(client.end(), GOODBYE_MS)
        .catch(() => undefined)
        .finally(() => {
          this.goodbyes.delete(drop);
          drop();
        });
      return {
        at,
        ok: true,
        latency_ms: Math.round(latency * 10) / 10,
        status_code: null,
        error: null,
        failure: null,
        body: null,
      };
    } catch (err) {
      const { failure, error } = classifyPostgresError(err, budget);
      return failed(failure, error);
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(stop);
      if (!answered) {
        // Marks the client ending (no error events later), then drops the connection for sure.
        client.end().catch(() => undefined);
        own.socket?.destroy();
      }
    }
  }

  /** Ends every probe in flight (each resolves `cannot-probe`, its socket destroyed); later probes fail the same way. */
  close(): Promise<void> {
    this.closed = true;
    for (const stop of [...this.inFlight]) stop();
    for (const drop of [...this.goodbyes]) drop();
    return Promise.resolve();
  }

  /** `text` with every secret of the URL replaced by `***`. */
  private redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join(MASK);
    return out;
  }
}

/** `promise`, or undefined after `ms` if it has not settled by then (the timer cleared either way). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Sorts a failed probe's error: the server's own refusal (a `DatabaseError`, with its
 * SQLSTATE) is `other`; a connection that ended before an answer `unreachable`; a timeout
 * `no-answer`; network and local-resource errors as the HTTP probe sorts them.
 * @param budget the probe's budget, ms, named in a timeout's phrase.
 */
export function classifyPostgresError(err: unknown, budget: number): { failure: ProbeFailure; error: string } {
  if (err instanceof pg.DatabaseError) {
    return { failure: 'other', error: err.code ? `${err.message} (SQLSTATE ${err.code})` : err.message };
  }
  const message = messageOf(err);
  if (err instanceof ProbeDeadline || PG_TIMEOUTS.has(message)) {
    return { failure: 'no-answer', error: `no answer within ${budget} ms` };
  }
  if (message === CLOSED) return { failure: 'cannot-probe', error: CLOSED };
  if (message === 'Connection terminated unexpectedly') return { failure: 'unreachable', error: 'connection closed' };
  return classifyProbeError(err, budget);
}
