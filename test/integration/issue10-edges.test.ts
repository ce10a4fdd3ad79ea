// Edge cases of issue 10's changes over real HTTP (no URL normalisation by a test client):
// the reference backend's access log leaves out health probes, and only them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/reference-backend/app';
import { TokenService } from '../../src/reference-backend/tokens';
import { rawRequest } from '../helpers/raw-http';
import { pollUntil } from '../helpers/supervise';

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

  it('still logs nothing for /health, /health/live, /health/ready, /health/startup and /health?x=1', async () => {
    for (const target of ['/health', '/health/live', '/health/ready', '/health/startup', '/health?x=1']) {
      await rawRequest(port, 'GET', target);
    }
    // A request after them that is logged: once its line is there, the probes' would be too.
    const before = lines.length;
    await rawRequest(port, 'GET', '/healthx');
    await pollUntil(() => lines.length > before, 5_000, 25, 'the /healthx line');
    expect(lines.slice(before)).toEqual([expect.stringMatching(/^GET \/healthx 404 /)]);
    expect(lines.join('\n')).not.toMatch(/^GET \/health(\/live|\/ready|\/startup)?[ ?]/m);
  });
});
