// Issue 9 item 1: the control API decides "public or not" by the route the router matched,
// never by the raw URL: no spelling of an API path reaches a handler without the token
// (401, or 404 / 400 / 403 when it is no route, a malformed URL or a file outside the root).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDesktopControlServer } from '../../src/main/app/desktop-control-server';
import { createRuntime, type SupervisorRuntime } from '../../src/main/core/runtime';
import type { RpcHandlers } from '../../src/main/core/rpc';
import { createControlServer } from '../../src/main/server/control-server';
import { freePort, tempDir, testConfig } from '../helpers/supervise';
import { rawRequest } from '../helpers/raw-http';

const TOKEN = 'control-token-0123456789abcdef0123456789';
const READ_TOKEN = 'read-only-token-0123456789abcdef';

let runtime: SupervisorRuntime;
let server: FastifyInstance;
let port: number;
/** Handlers (RPC channels, metrics) that ran, by name. */
const ran: string[] = [];
/** State changes seen (a command that ran changes the state). */
const changes: string[] = [];

/** The API routes: method, path, and the body a handler would act on. */
const ROUTES: readonly { method: 'GET' | 'POST'; path: string; body?: string }[] = [
  { method: 'POST', path: '/api/v1/admin/backend/start' },
  { method: 'POST', path: '/api/v1/admin/backend/stop' },
  { method: 'POST', path: '/api/v1/admin/backend/restart' },
  { method: 'GET', path: '/api/v1/admin/backend/status' },
  { method: 'GET', path: '/api/v1/admin/backend/health' },
  { method: 'GET', path: '/metrics' },
  { method: 'GET', path: '/api/v1/events' },
  { method: 'POST', path: '/api/v1/rpc/backend:stop', body: '{"args":[]}' },
  { method: 'POST', path: '/api/v1/rpc/logs:tail', body: '{"args":[{"limit":5}]}' },
  { method: 'POST', path: '/api/v1/rpc/settings:save', body: '{"args":[{"command":"/bin/sh"}]}' },
  { method: 'POST', path: '/api/v1/rpc/backend:status', body: '{"args":[]}' },
  { method: 'GET', path: '/api/v1/services' },
  { method: 'GET', path: '/api/v1/services/backend' },
  { method: 'POST', path: '/api/v1/services/backend/stop' },
  { method: 'POST', path: '/api/v1/stack/stop' },
  { method: 'POST', path: '/api/v1/rpc/stack:saveFile', body: '{"args":["services: {}"]}' },
];

const hex = (c: string): string => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`;

/** Spellings of `path` a client can send as-is; the router may decode some of them to `path`. */
function variants(path: string): string[] {
  const segs = path.slice(1).split('/');
  const rest = `/${segs.slice(1).join('/')}`;
  const out = new Set<string>();
  segs.forEach((s, i) => {
    const e = [...segs];
    e[i] = hex(s[0] ?? 'x') + s.slice(1);
    out.add(`/${e.join('/')}`);
    e[i] = hex(s[0] ?? 'x').toUpperCase() + s.slice(1);
    out.add(`/${e.join('/')}`);
  });
  out.add(`/${segs.map((s) => [...s].map(hex).join('')).join('/')}`);
  for (let i = 1; i < segs.length; i++) out.add(`/${segs.slice(0, i).join('/')}%2F${segs.slice(i).join('/')}`);
  out.add(`/${segs.join('%2f')}`);
  out.add(`/%2e${path}`);
  out.add(`/%2e%2e${path}`);
  out.add(`/${segs[0]}/%2e${rest}`);
  out.add(`/${segs[0]}/x/%2e%2e${rest}`);
  out.add(`${path}/%2e`);
  out.add(`/${path}`);
  out.add(`/${segs[0]}/${rest}`);
  out.add(`${path}/`);
  out.add(`${path}//`);
  out.add(path.toUpperCase());
  out.add(`/${(segs[0] ?? '').toUpperCase()}${rest}`);
  out.add(`/.${path}`);
  out.add(`/${segs[0]}/.${rest}`);
  out.add(`/x/..${path}`);
  out.add(`/healthz/..${path}`);
  out.add(`/assets/..${path}`);
  out.add(`/${segs[0]}/x/..${rest}`);
  out.add(`${path};`);
  out.add(`${path};x=1`);
  out.add(`/${segs[0]};x${rest}`);
  out.add(`${path}%00`);
  out.add(`/%00${path}`);
  out.add(`/${segs[0]}%00${rest}`);
  out.add(`${path}?`);
  out.add(`${path}?x=1`);
  out.add(`${path}%3F`);
  out.add(`${path}%3Fx=/healthz`);
  out.add(`${path}#/healthz`);
  out.add(`/${hex(segs[0]?.[0] ?? 'x')}${segs[0]?.slice(1)}${rest}?/healthz`);
  out.add(path.replaceAll('/', '\\'));
  out.add(`http://127.0.0.1:${port}${path}`);
  out.add(`http://127.0.0.1:${port}/${hex(segs[0]?.[0] ?? 'x')}${path.slice(2)}`);
  return [...out];
}

/** Parts of an answer that only a handler that ran would produce. */
const LEAKS = [
  /"ok":true/,
  /"success":true/,
  /restart_count/,
  /orchestrator_enabled/,
  /backend_status/,
  /: connected/,
  /event: backend:/,
  /fault backend/i,
];

beforeAll(async () => {
  port = await freePort();
  const config = testConfig(port, { controlPort: 0 });
  runtime = createRuntime(config);
  // Record every handler that runs: none may run for a request without a valid token.
  const handlers = Object.fromEntries(
    Object.entries(runtime.handlers).map(([channel, fn]) => [
      channel,
      (...args: unknown[]) => {
        ran.push(channel);
        return (fn as (...a: unknown[]) => unknown)(...args);
      },
    ]),
  ) as unknown as RpcHandlers;
  const metrics = {
    contentType: runtime.metrics.contentType,
    metrics: () => {
      ran.push('metrics');
      return runtime.metrics.metrics();
    },
  } as unknown as Registry;
  // A real dashboard folder: its wildcard route is the one public catch-all.
  const staticDir = tempDir('bsup-dashboard-');
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>dashboard</title>');
  mkdirSync(join(staticDir, 'assets'));
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log(1)');
  server = createControlServer({ ...runtime, handlers, metrics, token: TOKEN, readToken: READ_TOKEN, staticDir });
  await server.listen({ host: '127.0.0.1', port: 0 });
  port = (server.server.address() as { port: number }).port;
  await runtime.supervisor.start('app-start');
  runtime.supervisor.on('state', (e) => changes.push(`${e.from}->${e.to} (${e.actor})`));
});
afterAll(async () => {
  await server.close();
  await runtime.shutdown();
});

describe('the control API authenticates by the matched route (issue 9 item 1)', () => {
  it('no spelling of any API route runs its handler without a token', async () => {
    const pid = runtime.supervisor.status().pid;
    const wrong: string[] = [];
    let sent = 0;
    for (const route of ROUTES) {
      for (const target of variants(route.path)) {
        for (const method of route.method === 'GET' ? ['GET', 'HEAD', 'POST'] : ['POST', 'GET']) {
          const res = await rawRequest(port, method, target, {
            body: method === 'POST' ? route.body : undefined,
            timeoutMs: 1_500,
          });
          sent++;
          const leak = LEAKS.find((re) => re.test(res.text));
          if (![400, 401, 403, 404].includes(res.status) || leak) {
            wrong.push(`${method} ${target} -> ${res.status}${leak ? ` (body matches ${leak})` : ''}`);
          }
        }
      }
    }
    expect(sent).toBeGreaterThan(800);
    expect(wrong).toEqual([]);
    expect(ran).toEqual([]);
    expect(changes).toEqual([]);
    expect(runtime.supervisor.currentState).toBe('running');
    expect(runtime.supervisor.status().pid).toBe(pid);
  });

  it('the read-only token cannot reach a control route by another spelling', async () => {
    const wrong: string[] = [];
    for (const route of ROUTES.filter((r) => r.method === 'POST')) {
      for (const target of variants(route.path)) {
        const res = await rawRequest(port, 'POST', target, {
          body: route.body,
          headers: { authorization: `Bearer ${READ_TOKEN}` },
          timeoutMs: 1_500,
        });
        if (![400, 401, 403, 404].includes(res.status) || LEAKS.some((re) => re.test(res.text))) {
          wrong.push(`POST ${target} -> ${res.status}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(ran).toEqual([]);
    expect(changes).toEqual([]);
  });

  it('the spellings the router decodes to a route reach it with the token (the matrix is not all 404s)', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const reached: string[] = [];
    for (const target of variants('/api/v1/admin/backend/status')) {
      const res = await rawRequest(port, 'GET', target, { headers: auth, timeoutMs: 1_500 });
      if (res.status === 200 && /restart_count/.test(res.text)) reached.push(target);
    }
    expect(reached).toContain('/api/v1/admin/backend/%73tatus');
    expect(reached).toContain('/%61pi/v1/admin/backend/status');
    const metrics = await rawRequest(port, 'GET', '/%6detrics', { headers: auth });
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^backend_status\{service="backend"\} 1$/m);
    // The read-only token reads a read route by any spelling the router takes for it.
    const read = await rawRequest(port, 'GET', '/%6detrics', { headers: { authorization: `Bearer ${READ_TOKEN}` } });
    expect(read.status).toBe(200);
    ran.length = 0;
  });

  it('keeps the public routes public and refuses a token in the query, encoded or not', async () => {
    expect((await rawRequest(port, 'GET', '/healthz')).status).toBe(200);
    expect((await rawRequest(port, 'GET', '/')).text).toContain('<title>dashboard</title>');
    expect((await rawRequest(port, 'GET', '/assets/app.js')).status).toBe(200);
    for (const target of [
      `/api/v1/admin/backend/status?token=${TOKEN}`,
      `/api/v1/admin/backend/status?%74oken=${TOKEN}`,
      `/%61pi/v1/admin/backend/status?access_token=${TOKEN}`,
    ]) {
      expect((await rawRequest(port, 'GET', target)).status, target).toBe(400);
    }
    expect(ran).toEqual([]);
  });

  it('an unknown route needs the token too (deny by default)', async () => {
    const res = await rawRequest(port, 'POST', '/api/v1/admin/backend/explode', { body: '{}' });
    expect(res.status).toBe(401);
    const withToken = await rawRequest(port, 'POST', '/api/v1/admin/backend/explode', {
      body: '{}',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(withToken.status).toBe(404);
  });
});

describe('the desktop control server shares the route checks', () => {
  it('refuses /%61pi/… and /%6detrics without a token', async () => {
    const config = testConfig(await freePort(), { controlPort: 0, controlToken: TOKEN });
    const desktop = await startDesktopControlServer(runtime, config, '/nonexistent');
    try {
      const desktopPort = Number(new URL(desktop.url).port);
      const stop = await rawRequest(desktopPort, 'POST', '/%61pi/v1/admin/backend/stop');
      expect(stop.status).toBe(401);
      const metrics = await rawRequest(desktopPort, 'GET', '/%6detrics');
      expect(metrics.status).toBe(401);
      expect(metrics.text).not.toMatch(/backend_status/);
      const tail = await rawRequest(desktopPort, 'POST', '/%61pi/v1/rpc/logs:tail', { body: '{"args":[]}' });
      expect(tail.status).toBe(401);
      expect(changes).toEqual([]);
      expect(runtime.supervisor.currentState).toBe('running');
      const ok = await rawRequest(desktopPort, 'GET', '/%61pi/v1/admin/backend/status', {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(ok.status).toBe(200);
    } finally {
      await desktop.close();
    }
  });
});
