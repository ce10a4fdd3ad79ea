import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { EventName, EventPayload } from '../../shared/contract';
import type { LogLine } from '../../shared/status';
import { subscribeLiveEvents, type LiveEventListener } from '../core/live-events';
import type { Stack } from '../core/stack/stack';

/** Most event streams open at once; one more is answered 503 (a dashboard tab holds one). */
export const SSE_MAX_STREAMS = 32;
/**
 * Unsent bytes a stream may hold before its log lines are skipped, bytes. 256 KiB is about
 * 2,000 ordinary log lines: a live page that reads catches up well within it, and 32 streams
 * hold at most 8 MiB between them (the issue measured 1–1.8 GB with no such bound).
 */
export const SSE_BACKLOG_BYTES = 256 * 1024;
/**
 * Unsent bytes past which a stream is closed, bytes: state changes and incidents are never
 * skipped, so this bounds a reader that never reads at all (it reconnects and reloads).
 */
export const SSE_MAX_BUFFERED_BYTES = 1024 * 1024;
/** Heartbeat comment interval on the event stream, ms (keeps proxies from idling it out). */
export const SSE_HEARTBEAT_MS = 15_000;
/**
 * A stream that stays past {@link SSE_BACKLOG_BYTES} this long (it reads nothing) is closed,
 * ms, so stuck readers cannot keep the {@link SSE_MAX_STREAMS} slots. Four heartbeats.
 */
export const SSE_STALL_MS = 60_000;

/** The limits of an {@link EventHub}; tests pass small ones. */
export interface EventStreamLimits {
  /** @default SSE_MAX_STREAMS */
  maxStreams?: number;
  /** @default SSE_BACKLOG_BYTES */
  backlogBytes?: number;
  /** @default SSE_MAX_BUFFERED_BYTES */
  maxBufferedBytes?: number;
  /** @default SSE_HEARTBEAT_MS */
  heartbeatMs?: number;
  /** @default SSE_STALL_MS */
  stallMs?: number;
}

/** One open stream and the log lines it missed. */
interface Client {
  res: ServerResponse;
  /** Log lines skipped since the last one it got. */
  missed: number;
  /** The last skipped line (its seq and time go on the marker, so the page keeps `seq` order). */
  lastMissed: LogLine | null;
  /** When it went past the backlog (monotonic ms), or null while it keeps up. */
  behindSince: number | null;
}

const PING = Buffer.from(': ping\n\n');

/**
 * The server-sent events of `GET /api/v1/events`: state changes, incidents and log lines,
 * each encoded ONCE into a buffer every stream shares (memory per event, not per client).
 * A stream that falls behind (past `backlogBytes` unsent) skips log lines; once it is below
 * again it gets one `backend:log` line of stream `supervisor` saying how many it missed, then
 * the live lines. Past `maxBufferedBytes`, or behind for `stallMs`, it is closed. At most
 * `maxStreams` are open. Subscribes to every live event of the contract (`subscribeLiveEvents`)
 * only while a stream is open.
 */
export class EventHub {
  private readonly clients = new Set<Client>();
  private readonly limits: Required<EventStreamLimits>;
  private nextId = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private unsubscribeEvents: (() => void) | undefined;

  constructor(
    private readonly stack: Stack,
    limits: EventStreamLimits = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.limits = {
      maxStreams: limits.maxStreams ?? SSE_MAX_STREAMS,
      backlogBytes: limits.backlogBytes ?? SSE_BACKLOG_BYTES,
      maxBufferedBytes: limits.maxBufferedBytes ?? SSE_MAX_BUFFERED_BYTES,
      heartbeatMs: limits.heartbeatMs ?? SSE_HEARTBEAT_MS,
      stallMs: limits.stallMs ?? SSE_STALL_MS,
    };
  }

  /** Streams open now. */
  get size(): number {
    return this.clients.size;
  }

  /** Bytes written to the streams and not yet sent, summed over all of them. */
  get bufferedBytes(): number {
    let sum = 0;
    for (const c of this.clients) sum += c.res.writableLength;
    return sum;
  }

  /** Most streams open at once. */
  get maxStreams(): number {
    return this.limits.maxStreams;
  }

  /** True when one more stream may open. */
  get hasRoom(): boolean {
    return this.clients.size < this.limits.maxStreams;
  }

  /**
   * Starts streaming to `res` (its headers already written) until it closes.
   * @returns false (and writes nothing) when `maxStreams` are open.
   */
  add(res: ServerResponse): boolean {
    if (!this.hasRoom) return false;
    const client: Client = { res, missed: 0, lastMissed: null, behindSince: null };
    this.clients.add(client);
    if (this.clients.size === 1) this.subscribe();
    res.on('drain', () => this.catchUp(client));
    res.on('close', () => this.remove(client));
    return true;
  }

  /** Closes every stream (server shutdown). */
  closeAll(): void {
    for (const c of this.clients) c.res.destroy();
  }

  /** Log lines may be skipped for a stream that falls behind; every other event never is. */
  private readonly onEvent: LiveEventListener = (name, payload) => {
    if (name === 'backend:log') this.broadcastLine(payload as LogLine);
    else this.broadcast(name, payload);
  };

  private subscribe(): void {
    this.unsubscribeEvents = subscribeLiveEvents({ stack: this.stack }, this.onEvent);
    this.heartbeat = setInterval(() => this.beat(), this.limits.heartbeatMs);
  }

  private unsubscribe(): void {
    this.unsubscribeEvents?.();
    this.unsubscribeEvents = undefined;
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private remove(client: Client): void {
    if (!this.clients.delete(client)) return;
    if (this.clients.size === 0) this.unsubscribe();
  }

  private encode<E extends EventName>(event: E, payload: EventPayload<E>): Buffer {
    return Buffer.from(`id: ${++this.nextId}\nevent: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
  }

  /** State changes and incidents: never skipped; a stream that cannot take them is closed. */
  private broadcast<E extends EventName>(event: E, payload: EventPayload<E>): void {
    if (this.clients.size === 0) return;
    const frame = this.encode(event, payload);
    for (const c of this.clients) {
      if (c.res.writableLength > this.limits.maxBufferedBytes) c.res.destroy();
      else c.res.write(frame);
    }
  }

  private broadcastLine(line: LogLine): void {
    let frame: Buffer | undefined;
    for (const c of this.clients) {
      if (this.isBehind(c)) {
        c.missed++;
        c.lastMissed = line;
        continue;
      }
      this.sendMarker(c);
      c.res.write((frame ??= this.encode('backend:log', line)));
    }
  }

  /** True (and counts how long) while `c` is past the backlog; closes it when stalled. */
  private isBehind(c: Client): boolean {
    if (c.res.writableLength <= this.limits.backlogBytes) {
      c.behindSince = null;
      return false;
    }
    const now = this.now();
    c.behindSince ??= now;
    if (now - c.behindSince >= this.limits.stallMs) c.res.destroy();
    return true;
  }

  private catchUp(c: Client): void {
    if (!this.isBehind(c)) this.sendMarker(c);
  }

  /** Tells `c` how many log lines it missed, once, before its next line. */
  private sendMarker(c: Client): void {
    if (c.missed === 0 || !c.lastMissed) return;
    const text =
      c.missed === 1
        ? '1 log line was not sent to this view (it fell behind)'
        : `${c.missed} log lines were not sent to this view (it fell behind)`;
    const { seq, ts, service } = c.lastMissed;
    c.missed = 0;
    c.lastMissed = null;
    c.res.write(
      this.encode('backend:log', {
        seq,
        ts,
        stream: 'supervisor',
        text,
        ...(service === undefined ? {} : { service }),
      }),
    );
  }

  private beat(): void {
    for (const c of this.clients) {
      if (!this.isBehind(c)) {
        this.sendMarker(c);
        c.res.write(PING);
      }
    }
  }
}

/** Headers of the event stream (written by hand: the reply is hijacked). */
const STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/**
 * Handles `GET /api/v1/events` on `hub`: 503 `TOO_MANY_STREAMS` when it is full, else the
 * stream (`extraHeaders`, e.g. the security headers, go on it too).
 */
export function openEventStream(
  hub: EventHub,
  reply: FastifyReply,
  extraHeaders: Readonly<Record<string, string>> = {},
): FastifyReply | undefined {
  if (!hub.hasRoom) {
    return reply.code(503).send({
      ok: false,
      success: false,
      error: {
        code: 'TOO_MANY_STREAMS',
        message: `too many event streams are open (the limit is ${hub.maxStreams}); close a dashboard tab and retry`,
      },
    });
  }
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { ...extraHeaders, ...STREAM_HEADERS });
  res.write(': connected\n\n');
  hub.add(res);
  return undefined;
}
