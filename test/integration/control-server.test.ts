import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { FastifyInstance } from 'fastify';
import { createRuntime, type SupervisorRuntime } from '../../src/main/core/runtime';
import { createControlServer } from '../../src/main/server/control-server';
import { loadOrCreateToken } from '../../src/main/server/token';
import { statSync } from 'node:fs';
import { freePort, testConfig, waitForState } from '../helpers/supervise';

let runtime: SupervisorRuntime;
let server: FastifyInstance;
let base: string;
let token: string;
let tokenPath: string;
const READ_TOKEN = 'read-only-token-0123456789abcdef';

beforeAll(async () => {
  const port = await freePort();
  const config = testConfig(port, { controlPort: 0 });
  runtime = createRuntime(config);
  const t = loadOrCreateToken(config.dataDir);
  token = t.token;
  tokenPath = t.path as string;
  server = createControlServer({ ...runtime, token, readToken: READ_TOKEN, staticDir: '/nonexistent' });
  base = await server.listen({ host: '127.0.0.1', port: 0 });
  await runtime.supervisor.start('app-start');
});
afterAll(async () => {
  await runtime.shutdown();
  await server.close();
});

const auth = () => ({ authorization: `Bearer ${token}` });
async function call(
  method: 'GET' | 'POST',
  path: string,
  opts: { headers?: Record<string, string>; body?: string } = {},
) {
  const res = await request(`${base}${path}`, { method, headers: opts.headers, body: opts.body });
  const text = await res.body.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.statusCode, headers: res.headers, text, json: json as Record<string, unknown> };
}

describe('control server', () => {
  it('stores a generated 256-bit token with mode 0600', () => {
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(statSync(tokenPath).mode & 0o777).toBe(0o600);
  });

  it('answers the liveness route without a token, and nothing else', async () => {
    expect((await call('GET', '/healthz')).status).toBe(200);
    for (const [method, path] of [
      ['GET', '/api/v1/admin/backend/status'],
      ['GET', '/api/v1/admin/backend/health'],
      ['GET', '/metrics'],
      ['POST', '/api/v1/admin/backend/stop'],
      ['POST', '/api/v1/rpc/backend:status'],
      ['GET', '/api/v1/events'],
    ] as const) {
      const res = await call(method, path, { headers: { authorization: 'Bearer wrong-token-wrong-token-wrong' } });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
    expect(runtime.supervisor.currentState).toBe('running');
  });

  it('refuses a token in the query string', async () => {
    expect((await call('GET', `/api/v1/admin/backend/status?token=${token}`)).status).toBe(400);
  });

  it('serves the seed status and health shapes', async () => {
    const status = await call('GET', '/api/v1/admin/backend/status', { headers: auth() });
    expect(status.status).toBe(200);
    expect(status.json).toMatchObject({
      status: 'running',
      restart_count: 0,
      last_health_check: 'healthy',
      is_running: true,
    });
    expect(typeof status.json.pid).toBe('number');
    expect(typeof status.json.uptime_secs).toBe('number');
    const health = await call('GET', '/api/v1/admin/backend/health', { headers: auth() });
    expect(health.json).toMatchObject({
      orchestrator_enabled: true,
      backend_status: 'running',
      health_check_interval: 0.2,
      auto_restart: true,
      max_restart_attempts: 3,
    });
  });

  it('exports the seed metrics in the Prometheus text format', async () => {
    const res = await call('GET', '/metrics', { headers: auth() });
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0.0.4/);
    expect(res.text).toMatch(/^backend_status\{service="backend"\} 1$/m);
    expect(res.text).toMatch(/^backend_uptime_seconds\{service="backend"\} \d+$/m);
    expect(res.text).toMatch(/^backend_restart_count\{service="backend"\} 0$/m);
    expect(res.text).toMatch(/^backend_health_check_success_rate\{service="backend"\} (1|0\.\d+)$/m);
  });

  it('restarts, stops and starts through the REST API', async () => {
    const before = runtime.supervisor.status().pid;
    const restarted = await call('POST', '/api/v1/admin/backend/restart', { headers: auth() });
    expect(restarted.json).toMatchObject({
      success: true,
      message: 'Backend restarted successfully',
      restart_count: 1,
    });
    expect(restarted.json.pid).not.toBe(before);
    expect(runtime.supervisor.status().state_actor).toBe('rest');
    const stopped = await call('POST', '/api/v1/admin/backend/stop', { headers: auth() });
    expect(stopped.json).toMatchObject({ success: true, message: 'Backend stopped successfully', status: 'stopped' });
    const started = await call('POST', '/api/v1/admin/backend/start', { headers: auth() });
    expect(started.json).toMatchObject({ success: true, message: 'Backend started successfully', status: 'running' });
  });

  it('runs contract channels over RPC and refuses bad calls before any handler', async () => {
    const json = { ...auth(), 'content-type': 'application/json' };
    const ok = await call('POST', '/api/v1/rpc/backend:status', { headers: json, body: '{"args":[]}' });
    expect(ok.json).toMatchObject({ ok: true, data: { status: 'running' } });
    const tail = await call('POST', '/api/v1/rpc/logs:tail', { headers: json, body: '{"args":[{"limit":3}]}' });
    expect((tail.json.data as unknown[]).length).toBe(3);

    const unknown = await call('POST', '/api/v1/rpc/shell:exec', { headers: json, body: '{"args":[]}' });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    for (const body of [
      '{"args":[{"limit":"all"}]}',
      '{"args":[{"__proto__":{"x":1}}]}',
      `{"args":["${'x'.repeat(100_000)}"]}`,
      '{"args":{"0":1}}',
    ]) {
      const bad = await call('POST', '/api/v1/rpc/logs:tail', { headers: json, body });
      expect(bad.status).toBe(400);
      expect(bad.json).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENTS' } });
    }
    const pid = runtime.supervisor.status().pid;
    const badStop = await call('POST', '/api/v1/rpc/backend:stop', { headers: json, body: '{"args":["now"]}' });
    expect(badStop.status).toBe(400);
    expect(runtime.supervisor.status().pid).toBe(pid);
  });

  it('refuses a foreign Host (421), a foreign Origin (403), a non-JSON POST (415) and a huge body (413)', async () => {
    expect(
      (await call('GET', '/api/v1/admin/backend/status', { headers: { ...auth(), host: 'evil.example:8000' } })).status,
    ).toBe(421);
    expect(
      (await call('POST', '/api/v1/admin/backend/stop', { headers: { ...auth(), origin: 'https://evil.example' } }))
        .status,
    ).toBe(403);
    expect(
      (
        await call('POST', '/api/v1/rpc/backend:stop', {
          headers: { ...auth(), 'content-type': 'text/plain' },
          body: '{"args":[]}',
        })
      ).status,
    ).toBe(415);
    const huge = await call('POST', '/api/v1/rpc/backend:status', {
      headers: { ...auth(), 'content-type': 'application/json' },
      body: `{"args":["${'x'.repeat(2 * 1024 * 1024)}"]}`,
    });
    expect(huge.status).toBe(413);
    expect(runtime.supervisor.currentState).toBe('running');
  });

  it('streams state changes and log lines as server-sent events', async () => {
    const controller = new AbortController();
    const res = await request(`${base}/api/v1/events`, { headers: auth(), signal: controller.signal });
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    let text = '';
    const seen = (async () => {
      for await (const chunk of res.body) {
        text += chunk.toString();
        if (/event: backend:state\ndata: .*"to":"running"/.test(text) && /event: backend:log\n/.test(text)) return;
      }
    })();
    await call('POST', '/api/v1/admin/backend/restart', { headers: auth() });
    await seen;
    controller.abort();
    expect(text).toMatch(/^id: \d+$/m);
    await waitForState(runtime.supervisor, 'running');
  });

  it('lets the read-only token read metrics and status, and nothing else', async () => {
    const read = { authorization: `Bearer ${READ_TOKEN}` };
    expect((await call('GET', '/metrics', { headers: read })).status).toBe(200);
    expect((await call('GET', '/api/v1/admin/backend/status', { headers: read })).status).toBe(200);
    expect((await call('GET', '/api/v1/admin/backend/health', { headers: read })).status).toBe(200);
    const pid = runtime.supervisor.status().pid;
    const stop = await call('POST', '/api/v1/admin/backend/stop', { headers: read });
    expect(stop.status).toBe(403);
    const rpc = await call('POST', '/api/v1/rpc/backend:stop', {
      headers: { ...read, 'content-type': 'application/json' },
      body: '{"args":[]}',
    });
    expect(rpc.status).toBe(403);
    expect((await call('GET', '/api/v1/events', { headers: read })).status).toBe(403);
    expect(runtime.supervisor.status().pid).toBe(pid);
  });

  it('exports restarts by reason, exits, dropped lines and the backend process metrics', async () => {
    const text = (await call('GET', '/metrics', { headers: auth() })).text;
    expect(text).toMatch(/^backend_restarts_total\{service="backend",reason="manual"\} [1-9]\d*$/m);
    expect(text).toMatch(/^backend_exits_total\{service="backend",expected="true"\} [1-9]\d*$/m);
    expect(text).toMatch(/^backend_log_lines_dropped_total\{service="backend"\} 0$/m);
    expect(text).toMatch(/^backend_process_resident_memory_bytes\{service="backend"\} [1-9]\d*$/m);
    expect(text).toMatch(/^backend_process_cpu_seconds_total\{service="backend"\} \d/m);
    expect(text).toMatch(
      /^backend_health_check_duration_seconds_bucket\{le="0.005",service="backend",result="ok"\} \d+$/m,
    );
  });

  it('serves the last hour of latency and memory samples for the charts', async () => {
    runtime.history.sample();
    const res = await call('POST', '/api/v1/rpc/metrics:history', {
      headers: { ...auth(), 'content-type': 'application/json' },
      body: '{"args":[]}',
    });
    const samples = (
      res.json as { data: { state: string; rss_bytes: number | null; health_latency_ms: number | null }[] }
    ).data;
    const last = samples.at(-1);
    expect(last).toMatchObject({ state: 'running' });
    expect(last?.rss_bytes).toBeGreaterThan(0);
    expect(last?.health_latency_ms).toBeGreaterThanOrEqual(0);
  });
});
