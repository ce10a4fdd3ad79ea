/**
 * The health probe and the incident file under attack (issue 9 items 2, 6 and 12, tried as
 * an adversary would): hostile health answers from real local servers (raw TCP, so any
 * bytes), and incidents.jsonl replaced by odd files or cut short by a write that fails
 * part-way (a real file-size limit, `prlimit --fsize`, in a child process).
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/shared/incident';
import { HttpHealthProbe, MAX_HEALTH_BODY, PROBE_CONNECT_TIMEOUT_MS } from '../../src/main/core/health-probe';
import { IncidentStore, MAX_INCIDENTS } from '../../src/main/core/incident-store';
import { SupervisorConfigSchema } from '../../src/shared/config';
import { tempDir } from '../helpers/supervise';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/**
 * A raw TCP server: `answer` gets each socket once a request head arrived, and writes any
 * bytes. Resolves to the /health URL on `host`.
 */
async function rawServe(answer: (socket: Socket) => void, host = '127.0.0.1'): Promise<string> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      answer(socket);
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/health`;
}

/** Writes `chunk` to `socket` as fast as it drains, until the socket closes; counts bytes sent. */
function flood(socket: Socket, chunk: Buffer): { sent: () => number } {
  let sent = 0;
  const pump = (): void => {
    while (!socket.destroyed && socket.writable) {
      sent += chunk.length;
      if (!socket.write(chunk)) return void socket.once('drain', pump);
    }
  };
  pump();
  return { sent: () => sent };
}

function prober(): HttpHealthProbe {
  const probe = new HttpHealthProbe();
  cleanups.push(() => probe.close());
  return probe;
}

describe('the probe against hostile health answers', () => {
  it('a 2xx with a 1 GB body: reads up to MAX_HEALTH_BODY, stops, and closes the connection', async () => {
    let sender: { sent: () => number } | null = null;
    let closed: Promise<void> | null = null;
    const url = await rawServe((socket) => {
      closed = new Promise((resolve) => socket.on('close', () => resolve()));
      socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${1024 ** 3}\r\n\r\n`);
      sender = flood(socket, Buffer.alloc(64 * 1024, 0x20));
    });
    const started = performance.now();
    const outcome = await prober().probe(url, 5_000);
    expect(outcome).toMatchObject({ ok: true, status_code: 200, body: null, failure: null });
    expect(performance.now() - started).toBeLessThan(2_000);
    await closed; // the probe hung up: the server sees its socket close
    expect(sender!.sent()).toBeLessThan(64 * 1024 * 1024); // it stopped reading long before 1 GB
  });

  it('an endless chunked body: stops at the cap, never waits for an end', async () => {
    const chunk = Buffer.concat([Buffer.from('4000\r\n'), Buffer.alloc(0x4000, 0x20), Buffer.from('\r\n')]);
    const url = await rawServe((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n');
      flood(socket, chunk);
    });
    const outcome = await prober().probe(url, 5_000);
    expect(outcome).toMatchObject({ ok: true, status_code: 200, body: null });
    expect(outcome.latency_ms).toBeLessThan(2_000);
  });

  it('a JSON body of exactly MAX_HEALTH_BODY is parsed; one byte more is not read as JSON', async () => {
    const json = (bytes: number): string => {
      const bare = JSON.stringify({ status: 'ok', pad: '' });
      return JSON.stringify({ status: 'ok', pad: 'x'.repeat(bytes - bare.length) });
    };
    for (const [bytes, parsed] of [
      [MAX_HEALTH_BODY, true],
      [MAX_HEALTH_BODY + 1, false],
    ] as const) {
      const body = json(bytes);
      expect(body.length).toBe(bytes);
      const url = await rawServe((socket) =>
        socket.end(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n${body}`),
      );
      const outcome = await prober().probe(url, 2_000);
      expect(outcome.ok).toBe(true);
      expect((outcome.body as { status?: string } | null)?.status).toBe(parsed ? 'ok' : undefined);
    }
  });

  it('a gzip "bomb" is not inflated: the bytes on the wire are what is read', async () => {
    // 32 bytes that claim gzip: the probe never decodes a content-encoding, so nothing can expand.
    const url = await rawServe((socket) =>
      socket.end(
        'HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: 32\r\n\r\n' + '\x1f\x8b'.padEnd(32, '\0'),
      ),
    );
    const before = process.memoryUsage().rss;
    const outcome = await prober().probe(url, 2_000);
    expect(outcome).toMatchObject({ ok: true, status_code: 200, body: null });
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('a redirect is not followed: 301 to a healthy stranger is a failed probe naming the 301', async () => {
    let strangerHit = false;
    const stranger = await rawServe((socket) => {
      strangerHit = true;
      socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}');
    });
    const url = await rawServe((socket) =>
      socket.end(`HTTP/1.1 301 Moved Permanently\r\nlocation: ${stranger}\r\ncontent-length: 0\r\n\r\n`),
    );
    const outcome = await prober().probe(url, 2_000);
    expect(outcome).toMatchObject({ ok: false, status_code: 301, failure: 'http-status', error: 'answered HTTP 301' });
    expect(strangerHit).toBe(false);
  });

  it('1xx, 204 and 304: an early hint then 200 is healthy, 204 is healthy, 304 is not', async () => {
    const cases: [string, boolean, number | null][] = [
      ['HTTP/1.1 103 Early Hints\r\nlink: </x>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}', true, 200],
      ['HTTP/1.1 204 No Content\r\n\r\n', true, 204],
      ['HTTP/1.1 304 Not Modified\r\n\r\n', false, 304],
    ];
    for (const [answer, ok, status] of cases) {
      const url = await rawServe((socket) => socket.end(answer));
      expect(await prober().probe(url, 2_000)).toMatchObject({ ok, status_code: status });
    }
  });

  it('a server that closes mid-body says the connection was closed, not reset', async () => {
    const url = await rawServe((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"sta');
      setTimeout(() => socket.end(), 20);
    });
    expect(await prober().probe(url, 2_000)).toMatchObject({
      ok: false,
      status_code: 200,
      failure: 'unreachable',
      error: 'connection closed (the body did not end)',
    });
  });

  it('a real reset mid-body is still called a reset', async () => {
    const url = await rawServe((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"sta');
      setTimeout(() => socket.resetAndDestroy(), 20);
    });
    expect(await prober().probe(url, 2_000)).toMatchObject({
      ok: false,
      failure: 'unreachable',
      error: 'connection reset (the body did not end)',
    });
  });

  it('a connection accepted but never written to is no answer within the timeout', async () => {
    const url = await rawServe(() => undefined);
    const started = performance.now();
    expect(await prober().probe(url, 300)).toMatchObject({
      ok: false,
      status_code: null,
      failure: 'no-answer',
      error: 'no answer within 300 ms',
    });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('HTTP/0.9-style bytes and binary garbage are failures with a one-line reason', async () => {
    for (const garbage of ['{"status":"ok"}\n', '\0\x01\xff\r\n\r\n']) {
      const url = await rawServe((socket) => socket.end(Buffer.from(garbage, 'latin1')));
      const outcome = await prober().probe(url, 2_000);
      expect(outcome).toMatchObject({ ok: false, status_code: null, failure: 'other' });
      expect(outcome.error).toMatch(/^[^\n]+$/);
    }
  });

  it("an endless header is refused at the HTTP parser's header cap, in bounded memory", async () => {
    const url = await rawServe((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nx-big: ');
      flood(socket, Buffer.alloc(64 * 1024, 0x61));
    });
    const outcome = await prober().probe(url, 5_000);
    expect(outcome).toMatchObject({ ok: false, status_code: null, error: 'Headers Overflow Error' });
  });

  it('an IPv6 URL is probed', async () => {
    const url = await rawServe((socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}'), '::1');
    expect(await prober().probe(url, 2_000)).toMatchObject({ ok: true, status_code: 200 });
  });

  it('https to a plain-HTTP backend: a one-line TLS reason, not an OpenSSL dump', async () => {
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    const outcome = await prober().probe(`https://127.0.0.1:${port}/health`, 2_000);
    expect(outcome).toMatchObject({ ok: false, status_code: null, failure: 'other' });
    expect(outcome.error).toMatch(/^TLS handshake failed: [^\n]+$/);
  });

  it('a TLS handshake that never completes ends at the budget, and close() does not wait for it', async () => {
    const url = await rawServe(() => undefined); // never answers the ClientHello
    const probe = new HttpHealthProbe();
    const started = performance.now();
    const outcome = await probe.probe(url.replace('http:', 'https:'), 500);
    expect(outcome).toMatchObject({ ok: false, failure: 'no-answer', error: 'no answer within 500 ms' });
    expect(performance.now() - started).toBeLessThan(PROBE_CONNECT_TIMEOUT_MS / 2);
    const closing = performance.now();
    await probe.close();
    expect(performance.now() - closing).toBeLessThan(PROBE_CONNECT_TIMEOUT_MS / 2);
  });
});

describe('the health path cannot lead the probe to another host', () => {
  it('refuses a path the URL parser reads as another host (//, /\\, a tab); keeps odd but local ones', () => {
    for (const path of ['//stranger.example/health', '/\\stranger.example/health', '/\t/stranger/health']) {
      expect(new URL(path, 'http://127.0.0.1:8000').host).not.toBe('127.0.0.1:8000'); // what the probe would do
      const parsed = SupervisorConfigSchema.safeParse({ command: '/bin/true', dataDir: '/tmp', healthCheckPath: path });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.message).toBe('must be a path on the backend, not another host');
    }
    for (const path of ['/health', '/health?full=1', '/%2F%2Fx', '/a//b']) {
      expect(
        SupervisorConfigSchema.parse({ command: '/bin/true', dataDir: '/tmp', healthCheckPath: path }).healthCheckPath,
      ).toBe(path);
    }
  });
});

/** A valid incident with id `incident-<n>`. */
function incident(n: number): Incident {
  return {
    id: `incident-${String(n).padStart(6, '0')}`,
    at: '2026-12-01T10:00:00.000Z',
    kind: 'crash',
    summary: 'exited unexpectedly (exited with code 1)',
    pid: 1234,
    exit: { code: 1, signal: null },
    uptime_ms: 1000,
    action: 'restart attempt 1/3 in 0 ms',
    logs: [],
    probes: [],
  };
}
const line = (n: number): string => JSON.stringify(incident(n)) + '\n';
const ids = (store: IncidentStore): string[] =>
  store
    .list()
    .map((i) => i.id)
    .reverse();

/**
 * Runs `body` (ES module code; `IncidentStore`, `incident(n)` and `file` are in scope) in a
 * child Node under `prlimit` args; kills it after `timeoutMs`. Resolves to what it printed.
 */
async function inChild(
  file: string,
  body: string,
  opts: { prlimit?: string[]; timeoutMs?: number } = {},
): Promise<{ code: number | null; out: string; err: string; timedOut: boolean }> {
  const storeModule = JSON.stringify(join(import.meta.dirname, '../../src/main/core/incident-store.ts'));
  const script = `
    import { IncidentStore } from ${storeModule};
    const file = ${JSON.stringify(file)};
    const incident = ${incident.toString()};
    ${body}
  `;
  const argv = [process.execPath, '--import', 'tsx', '--input-type=module', '-e', script];
  const [cmd, ...args] = opts.prlimit ? ['prlimit', ...opts.prlimit, ...argv] : argv;
  const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, opts.timeoutMs ?? 8_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearTimeout(timer);
  return { code, out, err, timedOut };
}

describe('incidents.jsonl under attack', () => {
  it('a partial last line, a NUL-filled hole, non-UTF-8 bytes and CRLF lines: every whole incident loads', () => {
    const file = join(tempDir(), 'incidents.jsonl');
    writeFileSync(
      file,
      Buffer.concat([
        Buffer.from(line(1).replace('\n', '\r\n')), // CRLF
        Buffer.from([0xff, 0xfe, 0x0a]), // a line of non-UTF-8 bytes
        Buffer.from(line(2)),
        Buffer.alloc(300), // a hole of NULs where a crash lost an append…
        Buffer.from(line(3)), // …and the next append after it, on the same "line"
        Buffer.from(line(4).slice(0, 40)), // a write cut short
      ]),
    );
    const store = new IncidentStore(file);
    expect(ids(store)).toEqual([1, 2, 3].map((n) => incident(n).id));
    expect(store.skippedOnLoad).toBe(2); // the non-UTF-8 line and the cut one
    store.add(incident(5)); // compacts: the cut line is gone, not joined to the new one
    expect(ids(new IncidentStore(file))).toEqual([1, 2, 3, 5].map((n) => incident(n).id));
  });

  it('incidents.jsonl is a FIFO: the load and the write do not hang, and the write error says why', async () => {
    const dir = tempDir();
    const file = join(dir, 'incidents.jsonl');
    execFileSync('mkfifo', [file]);
    const run = await inChild(
      file,
      `const store = new IncidentStore(file);
       store.add(incident(1));
       process.stdout.write(JSON.stringify({ n: store.list().length, error: store.lastWriteError }));`,
    );
    expect(run.timedOut).toBe(false);
    expect(run.err).toBe('');
    expect(JSON.parse(run.out)).toEqual({ n: 1, error: `${file} is not a regular file` });
    expect(statSync(file).isFIFO()).toBe(true); // left as it was
  });

  it('adds straight through several compactions: the file always reloads to what is in memory', () => {
    const file = join(tempDir(), 'incidents.jsonl');
    const store = new IncidentStore(file);
    for (let n = 0; n < 5 * MAX_INCIDENTS + 7; n++) {
      store.add(incident(n));
      if (n % 97 === 0 || n % (2 * MAX_INCIDENTS) === 0) expect(ids(new IncidentStore(file))).toEqual(ids(store));
    }
    expect(ids(new IncidentStore(file))).toEqual(ids(store));
    expect(readFileSync(file, 'utf8').split('\n').length - 1).toBeLessThanOrEqual(2 * MAX_INCIDENTS);
  });

  it('a FIFO left where the compaction writes its temporary file: no hang, the compaction done', async () => {
    const dir = tempDir();
    const file = join(dir, 'incidents.jsonl');
    writeFileSync(file, line(1) + '{"id":"cut'); // a cut last line: the next write compacts
    execFileSync('mkfifo', [`${file}.tmp`]);
    const run = await inChild(
      file,
      `const store = new IncidentStore(file);
       store.add(incident(2));
       process.stdout.write(JSON.stringify({ error: store.lastWriteError }));`,
    );
    expect(run.timedOut).toBe(false);
    expect(JSON.parse(run.out)).toEqual({ error: null });
    expect(readFileSync(file, 'utf8')).toBe(line(1) + line(2));
  });

  it('incidents.jsonl links to /dev/zero or is a directory: nothing read, the write refused and said', () => {
    const dir = tempDir();
    const zero = join(dir, 'zero.jsonl');
    symlinkSync('/dev/zero', zero);
    const folder = join(dir, 'folder.jsonl');
    mkdirSync(folder);
    for (const file of [zero, folder]) {
      const store = new IncidentStore(file);
      expect(store.list()).toEqual([]);
      store.add(incident(1));
      expect(store.list()).toHaveLength(1); // kept in memory
      expect(store.lastWriteError).toBe(`${file} is not a regular file`);
    }
  });

  it('a compaction that fails part-way (file-size limit) leaves the old file whole', async () => {
    const file = join(tempDir(), 'incidents.jsonl');
    // 2 × MAX_INCIDENTS lines and a cut last line: the next write compacts.
    const all = Array.from({ length: 2 * MAX_INCIDENTS }, (_, n) => line(n)).join('');
    writeFileSync(file, all + '{"id":"cut');
    const before = readFileSync(file);
    // A compaction writes MAX_INCIDENTS + 1 lines; allow a quarter of that.
    const limit = Math.floor((line(0).length * MAX_INCIDENTS) / 4);
    const run = await inChild(
      file,
      `const store = new IncidentStore(file);
       store.add(incident(999999));
       process.stdout.write(JSON.stringify({ n: store.list().length, error: store.lastWriteError }));`,
      { prlimit: [`--fsize=${limit}:unlimited`] },
    );
    expect(run.err).toBe('');
    const result = JSON.parse(run.out) as { n: number; error: string | null };
    expect(result.n).toBe(MAX_INCIDENTS);
    expect(result.error).toMatch(/EFBIG/);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(new IncidentStore(file).list()).toHaveLength(MAX_INCIDENTS);
  });

  it('an append cut short by a full disk is not joined by the next one when space is back', async () => {
    const file = join(tempDir(), 'incidents.jsonl');
    writeFileSync(file, line(1) + line(2));
    // Room for half of the next line: the append writes part of it, then fails (EFBIG).
    const limit = statSync(file).size + Math.floor(line(3).length / 2);
    const run = await inChild(
      file,
      `import { execFileSync } from 'node:child_process';
       const store = new IncidentStore(file);
       store.add(incident(3));
       const failed = store.lastWriteError;
       execFileSync('prlimit', ['--pid', String(process.pid), '--fsize=unlimited:unlimited']); // space is back
       store.add(incident(4));
       process.stdout.write(JSON.stringify({ failed, error: store.lastWriteError }));`,
      { prlimit: [`--fsize=${limit}:unlimited`] },
    );
    expect(run.err).toBe('');
    expect(JSON.parse(run.out)).toMatchObject({ failed: expect.stringMatching(/EFBIG/), error: null });
    expect(ids(new IncidentStore(file))).toEqual([1, 2, 3, 4].map((n) => incident(n).id));
  });
});
