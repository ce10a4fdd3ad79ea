/**
 * The real HTTP probe against real local servers (issue 9 items 2, 6 and 12): whole-ms
 * budgets, the body read to its end within the budget, and EMFILE on the supervisor's side
 * reported as `cannot-probe`.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyProbeError, HttpHealthProbe, LOCAL_RESOURCE_ERRORS } from '../../src/main/core/health-probe';
import { MAX_TIMER_MS, timerMs } from '../../src/main/core/timer-ms';
import { freePort } from '../helpers/supervise';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/** A local server answering every request with `answer`; resolves to its /health URL. */
async function serve(answer: (res: ServerResponse) => void): Promise<string> {
  const server: Server = createServer((_req, res) => answer(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
}

function prober(): HttpHealthProbe {
  const probe = new HttpHealthProbe();
  cleanups.push(() => probe.close());
  return probe;
}

describe('HttpHealthProbe', () => {
  it('takes a fractional timeout (a budget left on the monotonic clock) and probes normally', async () => {
    const url = await serve((res) => res.end('{"status":"ok"}'));
    const outcome = await prober().probe(url, 1_234.567);
    expect(outcome).toMatchObject({ ok: true, status_code: 200, error: null, failure: null, body: { status: 'ok' } });
    const tiny = await prober().probe(url, 0.4); // rounds up to 1 ms: a timeout at worst, never a throw
    expect(tiny.error === null || tiny.error === 'no answer within 1 ms').toBe(true);
  });

  it('reads the body to its end: latency counts until then', async () => {
    const url = await serve((res) => {
      res.writeHead(200);
      let sent = 0;
      const drip = setInterval(() => {
        res.write('x');
        if (++sent === 3) {
          clearInterval(drip);
          res.end();
        }
      }, 100);
    });
    const outcome = await prober().probe(url, 2_000);
    expect(outcome.ok).toBe(true);
    expect(outcome.latency_ms).toBeGreaterThanOrEqual(250); // 3 bytes, 100 ms apart
  });

  it('a body that does not end within the timeout is a failure: no answer', async () => {
    const url = await serve((res) => {
      res.writeHead(200);
      const drip = setInterval(() => res.write(' '), 100);
      res.on('close', () => clearInterval(drip));
    });
    const started = performance.now();
    const outcome = await prober().probe(url, 500);
    expect(outcome).toMatchObject({
      ok: false,
      status_code: 200,
      latency_ms: null,
      failure: 'no-answer',
      error: 'no answer within 500 ms (the body did not end)',
    });
    expect(performance.now() - started).toBeLessThan(2_000); // bounded by the timeout
  });

  it('sorts failures: a non-2xx status, a refused connection', async () => {
    const url = await serve((res) => res.writeHead(503).end());
    expect(await prober().probe(url, 1_000)).toMatchObject({
      ok: false,
      status_code: 503,
      failure: 'http-status',
      error: 'answered HTTP 503',
    });
    const nobody = `http://127.0.0.1:${await freePort()}/health`;
    expect(await prober().probe(nobody, 1_000)).toMatchObject({
      ok: false,
      status_code: null,
      failure: 'unreachable',
      error: 'connection refused',
    });
  });

  it('maps the local-resource errno codes to cannot-probe, others not', () => {
    for (const code of ['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM']) {
      const err = Object.assign(new Error(`connect ${code} 127.0.0.1:3000 - Local`), { code });
      expect(classifyProbeError(err, 1_000)).toEqual({
        failure: 'cannot-probe',
        error: `${code}: ${LOCAL_RESOURCE_ERRORS[code]}`,
      });
    }
    expect(classifyProbeError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), 1_000).failure).toBe(
      'unreachable',
    );
    expect(classifyProbeError(Object.assign(new Error('x'), { name: 'TimeoutError' }), 1_000)).toEqual({
      failure: 'no-answer',
      error: 'no answer within 1000 ms',
    });
  });

  it("a real EMFILE at the probe's connect (file descriptors exhausted) is cannot-probe", async () => {
    const url = await serve((res) => res.end('{}'));
    // A child with 64 file descriptors opens /dev/null until EMFILE, then probes.
    const script = `
      import { openSync } from 'node:fs';
      import { HttpHealthProbe } from ${JSON.stringify(join(import.meta.dirname, '../../src/main/core/health-probe.ts'))};
      const probe = new HttpHealthProbe();
      try { for (;;) openSync('/dev/null', 'r'); } catch (err) { if (err.code !== 'EMFILE') throw err; }
      const outcome = await probe.probe(${JSON.stringify(url)}, 2000);
      process.stdout.write(JSON.stringify(outcome));
      process.exit(0);
    `;
    const child = spawn(
      'sh',
      ['-c', 'ulimit -n 64 && exec "$0" --import tsx --input-type=module -e "$1"', process.execPath, script],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(err).toBe('');
    expect(code).toBe(0);
    const outcome = JSON.parse(out) as Record<string, unknown>;
    expect(outcome).toMatchObject({ ok: false, status_code: null, failure: 'cannot-probe' });
    expect(outcome.error).toMatch(/^EMFILE: /);
  });
});

describe('the connection of each probe', () => {
  it('is a fresh one: a server keeping connections alive still sees one per probe', async () => {
    const server: Server = createServer((_req, res) => {
      res.end('{"status":"ok"}');
    });
    server.keepAliveTimeout = 60_000;
    let connections = 0;
    server.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
    const probe = prober();
    for (let i = 0; i < 3; i++) expect(await probe.probe(url, 2_000)).toMatchObject({ ok: true, failure: null });
    // A socket kept from a backend that died would fail the first probe of its successor.
    expect(connections).toBe(3);
  });
});

describe('timerMs', () => {
  it('makes any duration a whole number of ms a timer takes, at both bounds', () => {
    expect(timerMs(1_234.2)).toBe(1_235);
    expect(timerMs(0.4, 1)).toBe(1);
    expect(timerMs(-5)).toBe(0);
    expect(timerMs(Number.NaN, 1)).toBe(1);
    expect(timerMs(MAX_TIMER_MS)).toBe(MAX_TIMER_MS);
    expect(timerMs(MAX_TIMER_MS + 1)).toBe(MAX_TIMER_MS);
    expect(() => AbortSignal.timeout(timerMs(MAX_TIMER_MS + 0.5))).not.toThrow();
  });
});
