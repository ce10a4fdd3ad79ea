// Issue 9 item 6 (server side): idle and half-sent connections cannot pile up. The control
// server caps its connections (past the cap the oldest with no token makes room) and closes
// half-sent headers, unfinished bodies and idle keep-alive connections within seconds, while
// a live event stream stays open.
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type SupervisorRuntime } from '../../src/main/core/runtime';
import {
  HEADERS_TIMEOUT_MS,
  KEEP_ALIVE_TIMEOUT_MS,
  MAX_CONNECTIONS,
  REQUEST_TIMEOUT_MS,
  type ConnectionLimits,
} from '../../src/main/server/connection-limits';
import { createControlServer } from '../../src/main/server/control-server';
import { freePort, pollUntil, testConfig } from '../helpers/supervise';
import { closedWithin, openSocket, rawRequest } from '../helpers/raw-http';

const TOKEN = 'control-token-0123456789abcdef0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
let runtime: SupervisorRuntime;
const servers: FastifyInstance[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  runtime = createRuntime(testConfig(await freePort(), { controlPort: 0 }));
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) await s.close();
});
afterAll(async () => {
  await runtime.shutdown();
});

async function serve(connections?: ConnectionLimits): Promise<number> {
  const server = createControlServer({ ...runtime, token: TOKEN, connections });
  servers.push(server);
  await server.listen({ host: '127.0.0.1', port: 0 });
  return (server.server.address() as { port: number }).port;
}

async function connectIdle(port: number): Promise<Socket> {
  const socket = await openSocket(port);
  sockets.push(socket);
  return socket;
}

describe('connection limits of the control server (issue 9 item 6)', () => {
  it('production defaults: 256 connections; headers 5 s, request 10 s, keep-alive 5 s', async () => {
    await serve();
    const http = servers[0]!.server;
    expect(MAX_CONNECTIONS).toBe(256);
    expect(http.headersTimeout).toBe(HEADERS_TIMEOUT_MS);
    expect(http.requestTimeout).toBe(REQUEST_TIMEOUT_MS);
    expect(http.keepAliveTimeout).toBe(KEEP_ALIVE_TIMEOUT_MS);
    expect([HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS]).toEqual([5_000, 10_000, 5_000]);
  });

  it('holds exactly 256; one more closes the oldest with no token; the token holder is served while full', async () => {
    const port = await serve();
    const held: Socket[] = [];
    for (let i = 0; i < MAX_CONNECTIONS; i++) held.push(await connectIdle(port));
    // Within the cap, none is closed (the headers timeout, 5 s, is not reached here).
    await new Promise((r) => setImmediate(r));
    expect(held.every((s) => !s.destroyed && !s.readableEnded)).toBe(true);
    const extra = await connectIdle(port);
    expect(await closedWithin(held[0]!, 2_000)).toBeLessThan(2_000);
    expect(held.slice(1).every((s) => !s.destroyed && !s.readableEnded)).toBe(true);
    expect(extra.destroyed || extra.readableEnded).toBe(false);
    // Still full: an authorised request takes the slot of the next oldest.
    const res = await rawRequest(port, 'GET', '/api/v1/admin/backend/status', { headers: auth, timeoutMs: 2_000 });
    expect(res.status).toBe(200);
    expect(await closedWithin(held[1]!, 2_000)).toBeLessThan(2_000);
  });

  it('closes a connection that sends nothing, or half its headers, within the headers timeout', async () => {
    const port = await serve({ headersTimeoutMs: 500, requestTimeoutMs: 500 });
    const silent = await connectIdle(port);
    const half = await connectIdle(port);
    half.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    const [a, b] = await Promise.all([closedWithin(silent, 3_000), closedWithin(half, 3_000)]);
    // Not before the timeout (it is the bound that closed them), and well within seconds.
    expect(Math.min(a, b)).toBeGreaterThanOrEqual(400);
    expect(Math.max(a, b)).toBeLessThan(3_000);
  });

  it('with the production defaults, half-sent headers are closed within 5 s (+ one check interval)', async () => {
    const port = await serve();
    const half = await connectIdle(port);
    half.write('POST /api/v1/admin/backend/stop HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const elapsed = await closedWithin(half, HEADERS_TIMEOUT_MS + 3_000);
    expect(elapsed).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
  });

  it('closes an unfinished body within the request timeout', async () => {
    const port = await serve({ headersTimeoutMs: 400, requestTimeoutMs: 800 });
    const socket = await connectIdle(port);
    socket.write(
      `POST /api/v1/rpc/backend:status HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"args":',
    );
    const elapsed = await closedWithin(socket, 4_000);
    expect(elapsed).toBeGreaterThanOrEqual(600);
    expect(elapsed).toBeLessThan(4_000);
  });

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const port = await serve({ keepAliveTimeoutMs: 300 });
    const socket = await connectIdle(port);
    let answered = '';
    socket.setEncoding('utf8');
    const first = new Promise<void>((resolve) =>
      socket.on('data', (chunk: string) => {
        answered += chunk;
        if (answered.includes('"status":"ok"')) resolve();
      }),
    );
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await first;
    expect(await closedWithin(socket, 3_000)).toBeLessThan(3_000);
  });

  it('keeps an event stream open past every timeout', async () => {
    const port = await serve({ headersTimeoutMs: 200, requestTimeoutMs: 200, keepAliveTimeoutMs: 200 });
    const socket = await connectIdle(port);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.write(`GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
    // Time itself is what is tested here: several rounds of every timeout and of the server's checks.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(socket.destroyed || socket.readableEnded).toBe(false);
    runtime.logs.append('supervisor', 'still streaming');
    await pollUntil(() => text.includes('still streaming'), 3_000, 20, 'the line on the stream');
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(text).toContain('still streaming');
  });
});
