// Issue 13: a precompressed sibling is a file the control server sends in place of another, so
// it is held to the same rule as its file: a `.br` or `.gz` whose symlink leads out of the build
// sends nothing from outside it, to any Accept-Encoding. A file without siblings is sent as it is.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type SupervisorRuntime } from '../../src/main/core/runtime';
import { createControlServer } from '../../src/main/server/control-server';
import { freePort, tempDir, testConfig } from '../helpers/supervise';
import { rawRequest } from '../helpers/raw-http';

const TOKEN = 'control-token-0123456789abcdef0123456789';
const SECRET = 'SECRET-OUTSIDE-THE-BUILD';

let runtime: SupervisorRuntime;
let server: FastifyInstance;
let port: number;

beforeAll(async () => {
  runtime = createRuntime(testConfig(await freePort(), { controlPort: 0 }));
  const outside = tempDir('bsup-outside-');
  writeFileSync(join(outside, 'secret.br'), SECRET);
  writeFileSync(join(outside, 'secret.gz'), gzipSync(SECRET));
  const staticDir = join(tempDir('bsup-dashboard-'), 'renderer');
  mkdirSync(join(staticDir, 'assets'), { recursive: true });
  mkdirSync(join(staticDir, 'sub'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>dashboard</title>');
  // A file whose siblings lead out of the build.
  writeFileSync(join(staticDir, 'assets', 'app-AbCdEf12.js'), 'console.log("app")');
  symlinkSync(join(outside, 'secret.br'), join(staticDir, 'assets', 'app-AbCdEf12.js.br'));
  symlinkSync(join(outside, 'secret.gz'), join(staticDir, 'assets', 'app-AbCdEf12.js.gz'));
  // A folder whose index.html's sibling does.
  writeFileSync(join(staticDir, 'sub', 'index.html'), '<!doctype html><title>sub</title>');
  symlinkSync(join(outside, 'secret.br'), join(staticDir, 'sub', 'index.html.br'));
  // A file with no siblings at all.
  writeFileSync(join(staticDir, 'assets', 'plain-AbCdEf12.css'), 'body{margin:0}');
  server = createControlServer({ ...runtime, token: TOKEN, staticDir });
  await server.listen({ host: '127.0.0.1', port: 0 });
  port = (server.server.address() as { port: number }).port;
});
afterAll(async () => {
  await server.close();
  await runtime.shutdown();
});

describe('precompressed siblings stay inside the build', () => {
  it('a sibling symlinked out of the build is not sent, whatever the client accepts', async () => {
    const leaks: string[] = [];
    for (const target of ['/assets/app-AbCdEf12.js', '/sub/', '/sub/index.html', '/assets/app-AbCdEf12.js.br']) {
      for (const accept of [undefined, 'br', 'gzip', 'gzip, deflate, br, zstd', '*']) {
        const res = await rawRequest(port, 'GET', target, { headers: accept ? { 'accept-encoding': accept } : {} });
        const body = res.text.split('\r\n\r\n').slice(1).join('\r\n\r\n');
        if (res.status === 200 || body.includes(SECRET) || /content-encoding/i.test(res.text)) {
          leaks.push(`${target} (${accept ?? 'no encoding'}) -> ${res.status}`);
        }
      }
    }
    expect(leaks).toEqual([]);
  });

  it('a file without siblings is sent as it is to a client that asks for brotli or gzip', async () => {
    for (const accept of ['br', 'gzip', 'gzip, deflate, br, zstd']) {
      const res = await rawRequest(port, 'GET', '/assets/plain-AbCdEf12.css', {
        headers: { 'accept-encoding': accept },
      });
      expect(res.status, accept).toBe(200);
      expect(res.text, accept).not.toMatch(/content-encoding/i);
      expect(res.text, accept).toMatch(/\r\ncache-control: public, max-age=31536000, immutable\r\n/i);
      expect(res.text.endsWith('\r\n\r\nbody{margin:0}'), accept).toBe(true);
    }
    const page = await rawRequest(port, 'GET', '/', { headers: { 'accept-encoding': 'br' } });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>dashboard</title>');
  });
});
