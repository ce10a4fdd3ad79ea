import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Most TCP connections the control server holds at once. One more closes the oldest that has
 * not presented a token (see {@link guardConnections}), or itself when all of them have.
 * A browser tab uses up to 6 connections to one host plus one event stream, monitoring a few:
 * 256 is ~30 dashboard tabs with room for scripts, and far below the usual 1,024 open-file
 * limit (`ulimit -n`), so idle connects can never take the descriptors the supervisor needs
 * for health probes, the backend's pipes and its log files (the issue exhausted them with
 * ~20,000 idle connects).
 */
export const MAX_CONNECTIONS = 256;
/**
 * A connection must send its complete request headers within this, ms, or it is closed
 * (408): a local client sends them in well under 100 ms; half-sent headers are dropped.
 */
export const HEADERS_TIMEOUT_MS = 5_000;
/**
 * A request (headers and body, at most 1 MiB) must arrive complete within this, ms, or the
 * connection is closed (408). The answer may take longer: a start waits for the backend.
 */
export const REQUEST_TIMEOUT_MS = 10_000;
/** An idle keep-alive connection between two requests is closed after this, ms (Node's default). */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/**
 * How often the two timeouts above are checked, ms, at most (Node checks every 30 s by
 * default, which would let a half-sent request live 35 s). A quarter of the headers timeout
 * when that is shorter, so a short timeout in a test is kept too.
 */
export const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/**
 * A connection whose client takes none of the answer's unsent bytes for this long, ms, is
 * closed. The three timeouts above end once a request has arrived, so without this a client
 * that asks for the 3 MB dashboard bundle (or pipelines requests) and never reads holds its
 * connection for ever, and 256 of them, with no token, lock every user out. A client that
 * reads takes a chunk within milliseconds; 30 s also lets `curl … | less` sit on a page.
 * Quiet connections (a command waiting for the backend, an event stream between
 * heartbeats) have nothing unsent and are never closed by it.
 */
export const WRITE_STALL_MS = 30_000;

/**
 * Most requests one connection may have in flight (received and not yet answered), past
 * which it is closed. Browsers and HTTP clients send one at a time on a connection; a client
 * that pipelines thousands and reads none made the server hold every parsed request and
 * its queued answer (200 such connections with no token: ~900 MB resident). 16 leaves room
 * for a client that pipelines a few.
 */
export const MAX_REQUESTS_IN_FLIGHT = 16;

/** The connection limits of a control server; every field defaults to the constant above. */
export interface ConnectionLimits {
  /** @default MAX_CONNECTIONS */
  maxConnections?: number;
  /** @default HEADERS_TIMEOUT_MS */
  headersTimeoutMs?: number;
  /** @default REQUEST_TIMEOUT_MS (raised to the headers timeout when shorter: Node requires it) */
  requestTimeoutMs?: number;
  /** @default KEEP_ALIVE_TIMEOUT_MS */
  keepAliveTimeoutMs?: number;
  /** @default WRITE_STALL_MS */
  writeStallMs?: number;
  /** @default MAX_REQUESTS_IN_FLIGHT */
  maxRequestsInFlight?: number;
}

/**
 * The fastify options that apply `limits` (the timeouts; the cap and the stall are kept by
 * {@link guardConnections}). There is no socket idle timeout (`connectionTimeout` 0): a
 * command may take as long as the backend's start or stop, and the event stream is quiet
 * between heartbeats; the three timeouts above cover every idle phase of a connection before
 * and between requests.
 */
export function connectionOptions(limits: ConnectionLimits = {}): {
  http: ServerOptions;
  requestTimeout: number;
  keepAliveTimeout: number;
  connectionTimeout: number;
} {
  const headersTimeout = limits.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
  const requestTimeout = Math.max(headersTimeout, limits.requestTimeoutMs ?? REQUEST_TIMEOUT_MS);
  return {
    http: {
      headersTimeout,
      requestTimeout,
      connectionsCheckingInterval: Math.max(10, Math.min(TIMEOUT_CHECK_INTERVAL_MS, Math.floor(headersTimeout / 4))),
    },
    requestTimeout,
    keepAliveTimeout: limits.keepAliveTimeoutMs ?? KEEP_ALIVE_TIMEOUT_MS,
    connectionTimeout: 0,
  };
}

/** The connection cap of `limits` (see {@link MAX_CONNECTIONS}). */
export function maxConnectionsOf(limits: ConnectionLimits = {}): number {
  return limits.maxConnections ?? MAX_CONNECTIONS;
}

/** What {@link guardConnections} needs to hear from the routes. */
export interface ConnectionGuard {
  /** Marks the connection of a request that presented a valid token: it is never closed for room. */
  trust(socket: Socket): void;
}

/**
 * Bounds the connections of `server` (Node's own `maxConnections` stays unset):
 * - past `limits.maxConnections` (see {@link MAX_CONNECTIONS}) the oldest connection that has
 *   not presented a valid token is closed to make room, or the new one when all of them
 *   have. Connects with no token (idle, half-sent, reconnected as fast as they are closed)
 *   thus cannot lock out a client that has one: its connection is the newest, and trusted
 *   once its first request's token is checked;
 * - a connection whose client stopped reading is closed: unsent bytes are held
 *   (`socket.writableLength` > 0) and the kernel took none of them for `limits.writeStallMs`
 *   (see {@link WRITE_STALL_MS}). Checked every quarter of that, at most every
 *   {@link TIMEOUT_CHECK_INTERVAL_MS}, while a connection is open (no timer at idle);
 * - a connection with more than `limits.maxRequestsInFlight` requests received and not yet
 *   answered is closed (see {@link MAX_REQUESTS_IN_FLIGHT}).
 */
export function guardConnections(server: Server, limits: ConnectionLimits = {}): ConnectionGuard {
  const max = maxConnectionsOf(limits);
  const stallMs = limits.writeStallMs ?? WRITE_STALL_MS;
  const maxInFlight = limits.maxRequestsInFlight ?? MAX_REQUESTS_IN_FLIGHT;
  /** Requests received and not yet answered, per connection. */
  const inFlight = new WeakMap<Socket, number>();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    const count = (inFlight.get(socket) ?? 0) + 1;
    inFlight.set(socket, count);
    response.once('close', () => inFlight.set(socket, (inFlight.get(socket) ?? 1) - 1));
    if (count > maxInFlight) socket.destroy();
  });
  /** Every open connection, oldest first (a Set keeps insertion order). */
  const sockets = new Set<Socket>();
  const trusted = new WeakSet<Socket>();
  /** Each connection holding unsent bytes: the bytes the kernel had taken, and since when. */
  const held = new Map<Socket, { taken: number; since: number }>();
  /** The stall check's timer, while a connection is open. */
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    watchStalls();
    socket.once('close', () => {
      sockets.delete(socket);
      held.delete(socket);
      if (sockets.size === 0) unwatchStalls();
    });
    if (sockets.size <= max) return;
    let victim = socket;
    for (const s of sockets) {
      if (s !== socket && !trusted.has(s)) {
        victim = s;
        break;
      }
    }
    sockets.delete(victim);
    victim.destroy();
  });
  // The stall check runs only while a connection is open: an idle supervisor with no client
  // has no timer of its own here (Node's check of the timeouts above still runs each second).
  const unwatchStalls = (): void => {
    if (timer) clearInterval(timer);
    timer = null;
  };
  const checkStalls = (): void => {
    const now = performance.now();
    for (const socket of sockets) {
      if (socket.writableLength === 0) {
        held.delete(socket);
        continue;
      }
      // `bytesWritten` counts what was handed to the kernel plus what waits; less what
      // waits, it is what the kernel took: it grows only while the client reads.
      const taken = (socket.bytesWritten ?? 0) - socket.writableLength;
      const last = held.get(socket);
      if (!last || taken !== last.taken) held.set(socket, { taken, since: now });
      else if (now - last.since >= stallMs) socket.destroy();
    }
  };
  function watchStalls(): void {
    if (timer || closed) return;
    timer = setInterval(checkStalls, Math.max(10, Math.min(TIMEOUT_CHECK_INTERVAL_MS, Math.floor(stallMs / 4))));
    timer.unref();
  }
  server.once('close', () => {
    closed = true;
    unwatchStalls();
  });
  return { trust: (socket) => trusted.add(socket) };
}
