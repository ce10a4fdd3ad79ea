// Issue 9 item 10: the dashboard cannot be framed by another site; every response of the
// control server carries the security headers, the CSP from the one source.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../src/shared/csp';
import { createRuntime, type SupervisorRuntime } from '../../src/main/core/runtime';
import { createControlServer } from '../../src/main/server/control-server';
import { freePort, tempDir, testConfig } from '../helpers/supervise';
import { rawRequest } from '../helpers/raw-http';

const TOKEN = 'control-token-0123456789abcdef0123456789';
let runtime: SupervisorRuntime;
let built: FastifyInstance;
let unbuilt: FastifyInstance;
let builtPort: number;
let unbuiltPort: number;

beforeAll(async () => {
  runtime = createRuntime(testConfig(await freePort(), { controlPort: 0 }));
  const staticDir = tempDir('bsup-dashboard-');
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>dashboard</title>');
  mkdirSync(join(staticDir, 'assets'));
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log(1)');
  built = createControlServer({ ...runtime, token: TOKEN, staticDir });
  unbuilt = createControlServer({ ...runtime, token: TOKEN, staticDir: '/nonexistent' });
  await built.listen({ host: '127.0.0.1', port: 0 });
  await unbuilt.listen({ host: '127.0.0.1', port: 0 });
  builtPort = (built.server.address() as { port: number }).port;
  unbuiltPort = (unbuilt.server.address() as { port: number }).port;
});
afterAll(async () => {
  await built.close();
  await unbuilt.close();
  await runtime.shutdown();
});

/** The headers of an answer (names in lower case). */
function headersOf(text: string): Record<string, string> {
  const head = text.split('\r\n\r\n')[0] ?? '';
  return Object.fromEntries(
    head
      .split('\r\n')
      .slice(1)
      .map((line) => {
        const at = line.indexOf(':');
        return [line.slice(0, at).trim().toLowerCase(), line.slice(at + 1).trim()];
      }),
  );
}

function expectSecurityHeaders(text: string, what: string): void {
  const h = headersOf(text);
  expect(h['content-security-policy'], what).toBe(`${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`);
  expect(h['x-frame-options'], what).toBe('DENY');
  expect(h['x-content-type-options'], what).toBe('nosniff');
  expect(h['referrer-policy'], what).toBe('no-referrer');
}

describe('security headers on every dashboard response (issue 9 item 10)', () => {
  it('on the page, an asset and a 404 of the built dashboard', async () => {
    const page = await rawRequest(builtPort, 'GET', '/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>dashboard</title>');
    expectSecurityHeaders(page.text, 'GET /');
    const asset = await rawRequest(builtPort, 'GET', '/assets/app.js');
    expect(asset.status).toBe(200);
    expectSecurityHeaders(asset.text, 'GET /assets/app.js');
    const missing = await rawRequest(builtPort, 'GET', '/assets/missing.js');
    expect(missing.status).toBe(404);
    expectSecurityHeaders(missing.text, 'GET /assets/missing.js');
  });

  it('on the not-built page, API answers, refusals and the event stream', async () => {
    const page = await rawRequest(unbuiltPort, 'GET', '/');
    expect(page.text).toContain('The dashboard is not built');
    expectSecurityHeaders(page.text, 'GET / (not built)');
    expectSecurityHeaders((await rawRequest(unbuiltPort, 'GET', '/nothing-here')).text, '404');
    expectSecurityHeaders((await rawRequest(unbuiltPort, 'GET', '/api/v1/admin/backend/status')).text, '401');
    const auth = { authorization: `Bearer ${TOKEN}` };
    expectSecurityHeaders((await rawRequest(unbuiltPort, 'GET', '/metrics', { headers: auth })).text, 'metrics');
    const stream = await rawRequest(unbuiltPort, 'GET', '/api/v1/events', { headers: auth, timeoutMs: 300 });
    expect(stream.status).toBe(200);
    expectSecurityHeaders(stream.text, 'event stream');
  });
});
