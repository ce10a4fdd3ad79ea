// Issue 9 item 5: event-stream clients that do not read cannot take the server's memory or
// its event loop. Streams are capped; each event is encoded once; a stream that falls behind
// skips log lines and is told how many, and the API keeps answering during a log flood.
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime, type SupervisorRuntime } from '../../src/main/core/runtime';
import { createControlServer } from '../../src/main/server/control-server';
import type { EventStreamLimits } from '../../src/main/server/event-stream';
import { SSE_BACKLOG_BYTES, SSE_MAX_STREAMS } from '../../src/main/server/event-stream';
import { freePort, pollUntil, testConfig } from '../helpers/supervise';
import { openSocket, rawRequest } from '../helpers/raw-http';

const TOKEN = 'control-token-0123456789abcdef0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
const FLOOD_LINES = 200_000;

let runtime: SupervisorRuntime | undefined;
let server: FastifyInstance | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await server?.close();
  await runtime?.shutdown();
  server = undefined;
  runtime = undefined;
});

async function serve(
  env: Record<string, string> = {},
  eventStreams?: EventStreamLimits,
): Promise<{ port: number; rt: SupervisorRuntime; app: FastifyInstance }> {
  const backendPort = await freePort();
  const rt = createRuntime(testConfig(backendPort, { controlPort: 0, env: { PORT: String(backendPort), ...env } }));
  const app = createControlServer({ ...rt, token: TOKEN, eventStreams });
  await app.listen({ host: '127.0.0.1', port: 0 });
  runtime = rt;
  server = app;
  return { port: (app.server.address() as { port: number }).port, rt, app };
}

/** Bytes the server's sockets hold unsent, summed over every connection. */
function unsentBytes(conns: Set<Socket>): number {
  let sum = 0;
  for (const c of conns) sum += c.writableLength;
  return sum;
}

/**
 * Opens an event stream on a raw socket and answers its status once the headers came.
 * `read: false` pauses the socket at once and never reads again (a stuck client).
 */
async function openStream(
  port: number,
  read: boolean,
): Promise<{ socket: Socket; status: number; text: () => string }> {
  const socket = await openSocket(port);
  sockets.push(socket);
  let text = '';
  socket.setEncoding('utf8');
  let answered = false;
  const status = await new Promise<number>((resolve) => {
    socket.on('data', (chunk: string) => {
      text += chunk;
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (!answered && m && text.includes('\r\n\r\n')) {
        answered = true;
        if (!read) socket.pause();
        resolve(Number(m[1]));
      }
    });
    socket.write(`GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
  });
  return { socket, status, text: () => text };
}

/**
 * Reads the `backend:log` events of a stream as they come and checks that none is lost
 * silently: each line follows the one before (seq + 1), or a marker says how many were
 * skipped up to its seq.
 */
class LogReader {
  lastSeq = -1;
  lines = 0;
  missed = 0;
  markers = 0;
  gaps: string[] = [];
  private pending = '';

  constructor(socket: Socket) {
    socket.on('data', (chunk: string) => this.feed(chunk));
  }

  private feed(chunk: string): void {
    this.pending += chunk;
    const re = /event: backend:log\ndata: (\{.*\})\n\n/g;
    let m: RegExpExecArray | null;
    let consumed = 0;
    while ((m = re.exec(this.pending))) {
      consumed = re.lastIndex;
      const line = JSON.parse(m[1] ?? '{}') as { seq: number; stream: string; text: string };
      const marker = /^(\d+) log lines? (was|were) not sent to this view \(it fell behind\)$/.exec(line.text);
      if (marker && line.stream === 'supervisor') {
        this.markers++;
        this.missed += Number(marker[1]);
        if (this.lastSeq >= 0 && line.seq - this.lastSeq !== Number(marker[1]))
          this.gaps.push(`marker ${marker[1]} at seq ${line.seq} after ${this.lastSeq}`);
      } else {
        this.lines++;
        if (this.lastSeq >= 0 && line.seq !== this.lastSeq + 1) this.gaps.push(`seq ${line.seq} after ${this.lastSeq}`);
      }
      this.lastSeq = line.seq;
    }
    this.pending = this.pending.slice(consumed);
  }
}

describe('slow event-stream clients during a log flood (issue 9 item 5)', () => {
  it('50 clients that never read: 32 streams, 18 answered 503; memory bounded; the API answers', async () => {
    const { port, rt, app } = await serve({ FLOOD_LINES: String(FLOOD_LINES) });
    const conns = new Set<Socket>();
    app.server.on('connection', (s: Socket) => {
      conns.add(s);
      s.on('close', () => conns.delete(s));
    });
    const rssBefore = process.memoryUsage().rss;
    const statuses: number[] = [];
    for (let i = 0; i < 50; i++) statuses.push((await openStream(port, false)).status);

    let maxUnsent = 0;
    let maxRss = 0;
    const sampler = setInterval(() => {
      maxUnsent = Math.max(maxUnsent, unsentBytes(conns));
      maxRss = Math.max(maxRss, process.memoryUsage().rss);
    }, 20);
    const done = new Promise<void>((resolve) =>
      rt.logs.on('line', (l) => {
        if (l.text === 'flood done') resolve();
      }),
    );
    const latencies: number[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const t0 = performance.now();
        const res = await request(`http://127.0.0.1:${port}/api/v1/admin/backend/status`, { headers: auth });
        await res.body.text();
        latencies.push(performance.now() - t0);
        expect(res.statusCode).toBe(200);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await rt.supervisor.start('app-start');
    await done;
    polling = false;
    await poller;
    clearInterval(sampler);
    latencies.sort((a, b) => a - b);
    const median = latencies[Math.floor(latencies.length / 2)] ?? 0;
    const worst = latencies.at(-1) ?? 0;
    console.log(
      `[slow clients] ${FLOOD_LINES} lines, 50 clients: max unsent ${(maxUnsent / 1048576).toFixed(1)} MiB, ` +
        `RSS +${((maxRss - rssBefore) / 1048576).toFixed(0)} MiB (max ${(maxRss / 1048576).toFixed(0)} MiB), ` +
        `API latency median ${median.toFixed(1)} ms, max ${worst.toFixed(1)} ms over ${latencies.length} calls`,
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(SSE_MAX_STREAMS);
    expect(statuses.filter((s) => s === 503)).toHaveLength(50 - SSE_MAX_STREAMS);
    const refused = await rawRequest(port, 'GET', '/api/v1/events', { headers: auth, timeoutMs: 2_000 });
    expect(refused.status).toBe(503);
    expect(refused.text).toContain('"code":"TOO_MANY_STREAMS"');
    // 32 streams × (backlog + one event), and nothing else unsent.
    expect(maxUnsent).toBeLessThanOrEqual(SSE_MAX_STREAMS * (SSE_BACKLOG_BYTES + 64 * 1024));
    expect(latencies.length).toBeGreaterThan(3);
    expect(worst).toBeLessThan(1_000);
  });

  it('a stream that stops reading skips lines, then is told how many it missed; nothing is lost silently', async () => {
    const { port, rt } = await serve({}, { backlogBytes: 32 * 1024 });
    const stream = await openStream(port, false);
    expect(stream.status).toBe(200);
    const reader = new LogReader(stream.socket);
    const first = rt.logs.nextSeq;
    // Append until the paused stream is past its backlog and skips (the kernel buffers fill first).
    const text = `a log line ${'y'.repeat(200)}`;
    for (let i = 0; i < 200_000 && rt.logs.nextSeq - first < 20_000; i++) {
      for (let j = 0; j < 500; j++) rt.logs.append('stdout', text);
      await new Promise((r) => setImmediate(r));
    }
    rt.logs.append('stdout', 'the last line');
    const last = rt.logs.nextSeq - 1;
    stream.socket.resume();
    await pollUntil(() => reader.lastSeq === last, 10_000, 20, `the stream to reach seq ${last}`);
    expect(reader.gaps).toEqual([]);
    expect(reader.markers).toBeGreaterThan(0);
    expect(reader.missed).toBeGreaterThan(0);
    expect(reader.lines + reader.missed).toBe(last - first + 1);
    expect(stream.text()).toMatch(
      /"stream":"supervisor","text":"\d+ log lines were not sent to this view \(it fell behind\)"/,
    );
  });

  it('the stream cap: the 32nd opens, the 33rd is refused, and opens once one closes', async () => {
    const { port, app } = await serve();
    const open = [];
    for (let i = 0; i < SSE_MAX_STREAMS; i++) open.push(await openStream(port, true));
    expect(open.map((s) => s.status)).toEqual(Array(SSE_MAX_STREAMS).fill(200));
    expect(app.eventHub.size).toBe(SSE_MAX_STREAMS);
    expect((await openStream(port, true)).status).toBe(503);
    open[0]!.socket.destroy();
    await pollUntil(() => app.eventHub.size === SSE_MAX_STREAMS - 1, 3_000, 10, 'the closed stream to leave');
    expect((await openStream(port, true)).status).toBe(200);
  });

  it('a stream stuck past its backlog for the stall time is closed', async () => {
    const { port, rt, app } = await serve({}, { backlogBytes: 16 * 1024, stallMs: 300 });
    const stuck = await openStream(port, false);
    expect(stuck.status).toBe(200);
    const text = `a log line ${'z'.repeat(500)}`;
    const t0 = performance.now();
    let behindAt = 0;
    while (app.eventHub.size > 0 && performance.now() - t0 < 20_000) {
      for (let j = 0; j < 200; j++) rt.logs.append('stdout', text);
      if (!behindAt && app.eventHub.bufferedBytes > 16 * 1024) behindAt = performance.now();
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(app.eventHub.size).toBe(0);
    expect(behindAt).toBeGreaterThan(0);
    // Not before the stall time: it is the bound that closed it.
    expect(performance.now() - behindAt).toBeGreaterThanOrEqual(300);
  });

  it('a stream that cannot take state changes past the hard cap is closed', async () => {
    const { port, rt, app } = await serve({}, { backlogBytes: 16 * 1024, maxBufferedBytes: 64 * 1024 });
    const stuck = await openStream(port, false);
    expect(stuck.status).toBe(200);
    const reason = 'r'.repeat(8 * 1024);
    let maxHeld = 0;
    for (let i = 0; i < 5_000 && app.eventHub.size > 0; i++) {
      rt.supervisor.emit('state', { from: 'running', to: 'running', actor: 'policy', reason, at: '' } as never);
      maxHeld = Math.max(maxHeld, app.eventHub.bufferedBytes);
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(app.eventHub.size).toBe(0);
    expect(maxHeld).toBeGreaterThan(64 * 1024);
    expect(maxHeld).toBeLessThanOrEqual(64 * 1024 + 16 * 1024);
  });
});
