// Edge cases of issue 10's changes over real HTTP (no URL normalisation by a test client):
// the reference backend's access log leaves out health probes, and only them; the control
// server names its token file only to a loopback peer with a loopback Host and no foreign Origin.
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/reference-backend/app';
import { TokenService } from '../../src/reference-backend/tokens';
import { rawRequest } from '../helpers/raw-http';
import { startHeadless, type HeadlessServer } from '../helpers/headless-server';
import { pollUntil, tempDir } from '../helpers/supervise';

describe('reference backend access log: only real health probes go unlogged', () => {
  const lines: string[] = [];
  let app: FastifyInstance;
  let port: number;

  beforeAll(async () => {
    app = buildApp(
      {
        version: 'test',
        instanceId: undefined,
        startedAt: performance.now(),
        tokens: new TokenService('x'.repeat(64)),
        db: () => undefined,
      },
      { log: (line) => lines.push(line), logError: (line) => lines.push(line) },
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await app?.close();
  });

  it.each(['/health/../admin/users', '/health/%2e%2e/admin/users', '/health/./x', '/health/..%2f..%2fetc%2fpasswd'])(
    'logs %s, which only looks like a probe',
    async (target) => {
      const before = lines.length;
      const answer = await rawRequest(port, 'GET', target);
      expect(answer.status).toBe(404);
      await pollUntil(() => lines.length > before, 5_000, 25, `an access-log line for ${target}`);
      expect(lines.at(-1)).toMatch(/^GET \/health\/\S+ 404 /);
    },
  );

  it.each(['POST', 'DELETE', 'PUT'])('logs %s /health, which no probe sends', async (method) => {
    const before = lines.length;
    const answer = await rawRequest(port, method, '/health');
    expect(answer.status).toBe(404);
    await pollUntil(() => lines.length > before, 5_000, 25, `an access-log line for ${method} /health`);
    expect(lines.at(-1)).toMatch(new RegExp(`^${method} /health 404 `));
  });

  it('still logs nothing for /health, /health/live, /health/ready, /health/startup and /health?x=1', async () => {
    for (const target of ['/health', '/health/live', '/health/ready', '/health/startup', '/health?x=1']) {
      await rawRequest(port, 'GET', target);
    }
    await rawRequest(port, 'HEAD', '/health/live');
    // A request after them that is logged: once its line is there, the probes' would be too.
    const before = lines.length;
    await rawRequest(port, 'GET', '/healthx');
    await pollUntil(() => lines.length > before, 5_000, 25, 'the /healthx line');
    expect(lines.slice(before)).toEqual([expect.stringMatching(/^GET \/healthx 404 /)]);
    expect(lines.join('\n')).not.toMatch(/^(GET|HEAD) \/health(\/live|\/ready|\/startup)?[ ?]/m);
  });
});

/** GET `path` from `address`:`port` with these headers; status and body. */
function get(address: string, port: number, path: string, headers: Record<string, string>) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: address, port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET /api/v1/token-file keeps the control server guards', () => {
  const dataDir = tempDir('issue10-token-file-');
  let server: HeadlessServer;
  let port: number;

  beforeAll(async () => {
    server = await startHeadless({
      CONTROL_TOKEN: '',
      SUPERVISOR_DATA_DIR: dataDir,
      ORCHESTRATOR_ENABLED: 'false',
      CONTROL_HOST: '0.0.0.0',
      CONTROL_ALLOW_REMOTE: 'true',
    });
    port = Number(new URL(server.url).port);
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers a loopback peer with a loopback Host', async () => {
    const answer = await get('127.0.0.1', port, '/api/v1/token-file', { host: `127.0.0.1:${port}` });
    expect(answer.status).toBe(200);
    expect(answer.body).toContain(dataDir);
  });

  it('refuses a foreign Host (421) and a foreign Origin (403) without naming the file', async () => {
    const host = await get('127.0.0.1', port, '/api/v1/token-file', { host: 'evil.example:80' });
    expect(host.status).toBe(421);
    const origin = await get('127.0.0.1', port, '/api/v1/token-file', {
      host: `127.0.0.1:${port}`,
      origin: 'http://evil.example',
    });
    expect(origin.status).toBe(403);
    for (const answer of [host, origin]) expect(answer.body).not.toContain(dataDir);
  });

  it('refuses a peer on another address of this machine (not loopback), even with a loopback Host', async () => {
    const address = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    expect(address, 'this test needs a non-loopback IPv4 address on the machine').toBeDefined();
    const answer = await get(address as string, port, '/api/v1/token-file', { host: `127.0.0.1:${port}` });
    expect(answer.status).toBe(403);
    expect(answer.body).not.toContain(dataDir);
  });
});
