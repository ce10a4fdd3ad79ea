// Attacks on the control server from a client with no token, against a real server and raw
// sockets: clients that ask and never read cannot hold the connections (and lock out the
// token holder); answers made outside fastify's hooks carry the security headers too; a
// symlink in the dashboard build does not serve files from outside it.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type SupervisorRuntime } from '../../src/main/core/runtime';
import { MAX_REQUESTS_IN_FLIGHT, WRITE_STALL_MS, type ConnectionLimits } from '../../src/main/server/connection-limits';
import { createControlServer } from '../../src/main/server/control-server';
import { SECURITY_HEADERS } from '../../src/main/server/security-headers';
import { freePort, pollUntil, tempDir, testConfig } from '../helpers/supervise';
import { openSocket, rawRequest } from '../helpers/raw-http';

const TOKEN = 'control-token-0123456789abcdef0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
/** Larger than what the kernel buffers of a loopback connection take (~4 MB here). */
const BIG_FILE_BYTES = 12 * 1024 * 1024;

let runtime: SupervisorRuntime;
/** A dashboard folder with a big file, a symlink out of it and one to a folder outside. */
let staticDir: string;
const servers: FastifyInstance[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  runtime = createRuntime(testConfig(await freePort(), { controlPort: 0 }));
  const outside = tempDir('bsup-outside-');
  writeFileSync(join(outside, 'secret.txt'), 'SECRET-OUTSIDE-THE-BUILD');
  staticDir = join(tempDir('bsup-dashboard-'), 'renderer');
  mkdirSync(join(staticDir, 'assets'), { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>dashboard</title>');
  writeFileSync(join(staticDir, 'assets', 'big.js'), Buffer.alloc(BIG_FILE_BYTES, 0x61));
  symlinkSync(join(outside, 'secret.txt'), join(staticDir, 'linked.txt'));
  symlinkSync(outside, join(staticDir, 'linked-dir'));
  mkdirSync(join(staticDir, 'sub'));
  symlinkSync(join(outside, 'secret.txt'), join(staticDir, 'sub', 'index.html'));
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) await s.close();
});
afterAll(async () => {
  await runtime.shutdown();
});

/** A control server over the dashboard folder; its port and the server-side sockets, as they open. */
async function serve(
  connections?: ConnectionLimits,
): Promise<{ port: number; held: Set<Socket>; server: FastifyInstance }> {
  const server = createControlServer({ ...runtime, token: TOKEN, staticDir, connections });
  servers.push(server);
  const held = new Set<Socket>();
  server.server.on('connection', (s: Socket) => {
    held.add(s);
    s.once('close', () => held.delete(s));
  });
  await server.listen({ host: '127.0.0.1', port: 0 });
  return { port: (server.server.address() as { port: number }).port, held, server };
}

/** Sends `request` on a new socket and never reads what comes back. */
async function askAndNeverRead(port: number, request: string): Promise<Socket> {
  const socket = await openSocket(port);
  sockets.push(socket);
  socket.pause();
  socket.write(request);
  return socket;
}

const BIG_GET = 'GET /assets/big.js HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';

describe('clients that ask and never read', () => {
  it('token holders that stop reading give their connections back after the write stall', async () => {
    const cap = 4;
    const { port, held } = await serve({ maxConnections: cap, writeStallMs: 500 });
    // A log tail of megabytes, more than the kernel buffers of a connection take.
    for (let i = 0; i < 4_000; i++) runtime.logs.append('stdout', `line ${i} ${'x'.repeat(2_000)}`);
    const body = '{"args":[{"limit":4000}]}';
    const tail =
      `POST /api/v1/rpc/logs:tail HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    // Each asks twice (16 MB) and reads nothing: the request arrived whole, so the headers, request
    // and keep-alive timeouts are all past, and the token makes them no candidates for room.
    for (let i = 0; i < cap; i++) await askAndNeverRead(port, tail.repeat(2));
    await pollUntil(() => held.size === cap, 5_000, 10, 'the cap held by non-readers');
    await pollUntil(
      async () =>
        (await rawRequest(port, 'GET', '/api/v1/admin/backend/status', { headers: auth, timeoutMs: 500 })).status ===
        200,
      5_000,
      50,
      'an authorised request served once the non-readers were closed',
    );
  });

  it('connects with no token, reopened as fast as they are closed, do not lock out the token holder', async () => {
    const cap = 8;
    const { port, held } = await serve({ maxConnections: cap, headersTimeoutMs: 300, requestTimeoutMs: 300 });
    let attacking = true;
    let reopened = 0;
    const attacker = async (): Promise<void> => {
      while (attacking) {
        const socket = await openSocket(port).catch(() => undefined);
        if (!socket) continue;
        sockets.push(socket);
        reopened++;
        await new Promise<void>((resolve) => {
          socket.once('close', () => resolve());
          socket.once('error', () => resolve());
          socket.resume();
        });
      }
    };
    const attackers = Array.from({ length: cap }, () => attacker());
    try {
      await pollUntil(() => held.size === cap, 5_000, 10, 'the cap held by connects with no token');
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) {
        const res = await rawRequest(port, 'GET', '/api/v1/admin/backend/status', { headers: auth, timeoutMs: 1_000 });
        statuses.push(res.status);
      }
      expect(statuses).toEqual(Array(10).fill(200));
      // The attack went on all along: the connects were closed and reopened.
      expect(reopened).toBeGreaterThan(cap);
      expect(held.size).toBeLessThanOrEqual(cap);
    } finally {
      attacking = false;
      for (const s of sockets) s.destroy();
      await Promise.all(attackers);
    }
  });

  it('when every held connection presented the token, one more is closed and they all stay', async () => {
    const cap = 4;
    const { port, held } = await serve({ maxConnections: cap });
    const streams: { socket: Socket; text: () => string }[] = [];
    for (let i = 0; i < cap; i++) {
      const socket = await openSocket(port);
      sockets.push(socket);
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.write(`GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
      streams.push({ socket, text: () => text });
    }
    await pollUntil(() => streams.every((s) => s.text().includes(': connected')), 5_000, 10, 'the streams opened');
    const extra = await rawRequest(port, 'GET', '/healthz', { timeoutMs: 1_000 });
    expect(extra.status).toBe(0);
    expect(held.size).toBe(cap);
    expect(streams.every((s) => !s.socket.destroyed && !s.socket.readableEnded)).toBe(true);
  });

  it('at the bound: a reader that pauses under the stall time gets every byte; one that never reads is closed', async () => {
    const stallMs = 1_500;
    const { port, held } = await serve({ writeStallMs: stallMs });
    // The reader pauses 600 ms (under the stall time) after each 2 MiB it takes.
    const reader = await openSocket(port);
    sockets.push(reader);
    let got = 0;
    let sinceLastPause = 0;
    const whole = new Promise<void>((resolve, reject) => {
      reader.on('data', (chunk: Buffer) => {
        got += chunk.length;
        sinceLastPause += chunk.length;
        if (got >= BIG_FILE_BYTES) resolve();
        else if (sinceLastPause >= 2 * 1024 * 1024) {
          sinceLastPause = 0;
          reader.pause();
          setTimeout(() => reader.resume(), 600);
        }
      });
      reader.once('close', () => reject(new Error(`closed after ${got} bytes`)));
    });
    reader.write(BIG_GET);
    await whole;
    expect(got).toBeGreaterThanOrEqual(BIG_FILE_BYTES);

    const before = held.size;
    // Four of them pipelined (48 MiB): past the kernel buffers of any usual loopback setup.
    await askAndNeverRead(port, BIG_GET.repeat(4));
    await pollUntil(() => held.size === before + 1, 5_000, 10, 'the non-reader connected');
    const stuck = [...held].at(-1)!;
    const asked = performance.now();
    const closedAfter = await new Promise<number>((resolve) => {
      const timer = setTimeout(() => resolve(Infinity), stallMs + 5_000);
      stuck.once('close', () => {
        clearTimeout(timer);
        resolve(performance.now() - asked);
      });
    });
    // Not before the stall time (it is the bound that closed it), well within seconds after.
    expect(closedAfter).toBeGreaterThanOrEqual(stallMs - 100);
    expect(closedAfter).toBeLessThan(stallMs + 5_000);
  });

  it('a quiet event stream and a quiet command are not stalls (nothing is unsent)', async () => {
    const { port } = await serve({ writeStallMs: 200 });
    const socket = await openSocket(port);
    sockets.push(socket);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.write(`GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
    await pollUntil(() => text.includes(': connected'), 3_000, 10, 'the stream opened');
    // Several stall periods pass with the stream quiet: time itself is what is tested.
    await new Promise((r) => setTimeout(r, 1_200));
    runtime.logs.append('supervisor', 'after a quiet while');
    await pollUntil(() => text.includes('after a quiet while'), 3_000, 10, 'the line on the stream');
  });

  it('production default: 30 s', () => {
    expect(WRITE_STALL_MS).toBe(30_000);
  });
});

describe('pipelined requests', () => {
  const healthz = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
  const lastHealthz = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n';

  it('at the bound: 16 in flight are all answered; 17 close the connection', async () => {
    expect(MAX_REQUESTS_IN_FLIGHT).toBe(16);
    const { port } = await serve();
    const within = await rawBytes(port, healthz.repeat(MAX_REQUESTS_IN_FLIGHT - 1) + lastHealthz);
    expect(within.match(/HTTP\/1\.1 200/g)?.length).toBe(MAX_REQUESTS_IN_FLIGHT);
    const past = await rawBytes(port, healthz.repeat(MAX_REQUESTS_IN_FLIGHT) + lastHealthz);
    expect(past.match(/HTTP\/1\.1 200/g)?.length ?? 0).toBeLessThan(MAX_REQUESTS_IN_FLIGHT + 1);
  });

  it('thousands pipelined with no token and never read: closed at once, the server takes in a bounded number', async () => {
    const { port, held, server } = await serve();
    let requests = 0;
    server.server.on('request', () => requests++);
    await askAndNeverRead(
      port,
      'POST /api/v1/admin/backend/stop HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n'.repeat(20_000),
    );
    await pollUntil(() => requests > 0, 5_000, 10, 'the first request parsed');
    await pollUntil(() => held.size === 0, 3_000, 10, 'the pipelining connection closed');
    // Node parses at most what it had read when the connection closed (one read, 64 KiB).
    expect(requests).toBeLessThan(2_000);
  });
});

describe('event streams opened and closed quickly', () => {
  it('1,000 opens and abrupt closes leave no listener or stream slot behind (the hub unsubscribes and stops its heartbeat)', async () => {
    const { port, server } = await serve();
    const before = {
      state: runtime.supervisor.listenerCount('state'),
      incident: runtime.supervisor.listenerCount('incident'),
      line: runtime.logs.listenerCount('line'),
    };
    const open = `GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`;
    for (let i = 0; i < 1_000; i++) {
      const socket = await openSocket(port);
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.on('error', () => undefined);
      socket.resume();
      // Four ways to leave: with the request (FIN), at once (RST), a turn later, or once it answered.
      if (i % 4 === 0) socket.end(open);
      else if (i % 4 === 1) socket.write(open, () => socket.destroy());
      else if (i % 4 === 2) {
        socket.write(open);
        setImmediate(() => socket.destroy());
      } else {
        socket.write(open);
        socket.once('data', () => socket.destroy());
      }
      await closed;
    }
    await pollUntil(() => server.eventHub.size === 0, 5_000, 10, 'every stream gone from the hub');
    expect({
      state: runtime.supervisor.listenerCount('state'),
      incident: runtime.supervisor.listenerCount('incident'),
      line: runtime.logs.listenerCount('line'),
    }).toEqual(before);
    // Every slot is free again: the cap's worth of streams opens.
    const statuses = await Promise.all(
      Array.from({ length: server.eventHub.maxStreams }, () =>
        rawRequest(port, 'GET', '/api/v1/events', { headers: auth, timeoutMs: 500 }).then((r) => r.status),
      ),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
  });
});

/** The headers of a raw answer (names in lower case). */
function headersOf(text: string): Record<string, string> {
  const head = text.split('\r\n\r\n')[0] ?? '';
  return Object.fromEntries(
    head
      .split('\r\n')
      .slice(1)
      .map((line) => [line.slice(0, line.indexOf(':')).trim().toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
}

/** Sends raw bytes and reads until the server closes (or `timeoutMs`). */
async function rawBytes(port: number, bytes: string, timeoutMs = 3_000): Promise<string> {
  const socket = await openSocket(port);
  sockets.push(socket);
  socket.setEncoding('latin1');
  let text = '';
  socket.on('data', (chunk: string) => (text += chunk));
  socket.write(bytes, 'latin1');
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return text;
}

describe('answers made outside the routes carry the security headers', () => {
  it('a bad URL, an over-long parameter, a malformed request, oversized headers and a timeout', async () => {
    const { port } = await serve({ headersTimeoutMs: 300, requestTimeoutMs: 300 });
    const answers: Record<string, string> = {
      'bad url (400)': (await rawRequest(port, 'GET', '/%ff')).text,
      'invalid utf-8 (400)': (await rawRequest(port, 'GET', '/%c0%af')).text,
      'parameter over 100 characters (414)': (
        await rawRequest(port, 'POST', `/api/v1/rpc/${'a'.repeat(200)}`, { headers: auth, body: '{}' })
      ).text,
      'lower-case method (400)': await rawBytes(port, 'get / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'),
      'content-length and chunked (400)': await rawBytes(
        port,
        'POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      ),
      'headers over 16 KiB (431)': await rawBytes(
        port,
        `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
      ),
      'half-sent headers (408)': await rawBytes(port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n'),
    };
    const expected: Record<string, number> = {
      'bad url (400)': 400,
      'invalid utf-8 (400)': 400,
      'parameter over 100 characters (414)': 414,
      'lower-case method (400)': 400,
      'content-length and chunked (400)': 400,
      'headers over 16 KiB (431)': 431,
      'half-sent headers (408)': 408,
    };
    const wrong: string[] = [];
    for (const [what, text] of Object.entries(answers)) {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const h = headersOf(text);
      const missing = Object.entries(SECURITY_HEADERS).filter(([name, value]) => h[name] !== value);
      if (status !== expected[what] || missing.length > 0) {
        wrong.push(`${what}: ${status}, missing ${missing.map(([n]) => n).join(', ') || 'none'}`);
      }
      // The project's error shape, not fastify's.
      if (!/"success":false/.test(text)) wrong.push(`${what}: body ${text.split('\r\n\r\n')[1]}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('the dashboard files stay inside the build', () => {
  it('a symlink out of the build is not served; the files in it are', async () => {
    const { port } = await serve();
    const leaks: string[] = [];
    for (const target of ['/linked.txt', '/linked-dir/secret.txt', '/linked-dir/', '/sub/', '/sub/index.html']) {
      const res = await rawRequest(port, 'GET', target);
      if (res.status === 200 || res.text.includes('SECRET-OUTSIDE')) leaks.push(`${target} -> ${res.status}`);
    }
    expect(leaks).toEqual([]);
    const page = await rawRequest(port, 'GET', '/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>dashboard</title>');
  });
});
