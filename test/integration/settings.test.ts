import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startHeadless, type HeadlessServer } from '../helpers/headless-server';
import { pollUntil, tempDir } from '../helpers/supervise';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'backend-supervisor.js');

/** Runs `backend-supervisor serve …` to its end; resolves with the exit code and the output. */
function runServe(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'serve', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('serve with a corrupt settings file (reliability 19)', () => {
  it.each([
    ['truncated JSON', '{\n  "healthCheckPath": "/health",\n  "stopTim', /is not valid JSON .*; it may be truncated/],
    [
      'a field failing its schema',
      JSON.stringify({ healthCheckPath: 'health' }),
      /field "healthCheckPath": must start with \//,
    ],
  ])('%s: exit code 2, the file and the field named, the bytes untouched', async (_name, text, problem) => {
    const dataDir = tempDir('bsup-settings-int-');
    const file = join(dataDir, 'settings.json');
    writeFileSync(file, text);
    const { code, output } = await runServe(['--no-start'], { SUPERVISOR_DATA_DIR: dataDir, CONTROL_PORT: '0' });
    expect(code).toBe(2);
    expect(output).toContain(`backend-supervisor: settings file ${file}: `);
    expect(output).toMatch(problem);
    expect(output).not.toContain('dashboard');
    expect(readFileSync(file, 'utf8')).toBe(text);
  });
});

describe('serve reads and writes its settings file', () => {
  let server: HeadlessServer | undefined;
  afterAll(async () => {
    expect(await server?.stop()).toBe(0);
  });

  const rpc = async (channel: string, args: unknown[]) => {
    const res = await fetch(`${(server as HeadlessServer).url}/api/v1/rpc/${channel}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${(server as HeadlessServer).token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ args }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('flags > environment > settings file > defaults, and the channels over HTTP', async () => {
    const dataDir = tempDir('bsup-settings-int-');
    const file = join(dataDir, 'settings.json');
    // HEALTH_CHECK_INTERVAL=1 comes from the environment (startHeadless) and wins over the file.
    writeFileSync(file, JSON.stringify({ maxRestartAttempts: 7, healthCheckIntervalMs: 20_000, stopTimeoutMs: 3_000 }));
    server = await startHeadless({ SUPERVISOR_DATA_DIR: dataDir });
    const health = await fetch(`${server.url}/api/v1/admin/backend/health`, {
      headers: { authorization: `Bearer ${server.token}` },
    });
    expect(await health.json()).toMatchObject({ max_restart_attempts: 7, health_check_interval: 1 });

    const got = await rpc('settings:get', []);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      ok: true,
      data: {
        path: file,
        values: { maxRestartAttempts: 7, healthCheckIntervalMs: 20_000, stopTimeoutMs: 3_000 },
        effective: { maxRestartAttempts: 7, healthCheckIntervalMs: 1_000, stopTimeoutMs: 3_000 },
        sources: {
          maxRestartAttempts: { kind: 'settings' },
          healthCheckIntervalMs: { kind: 'environment', name: 'HEALTH_CHECK_INTERVAL' },
          backendUrl: { kind: 'environment', name: 'GO_BACKEND_URL' },
          controlPort: { kind: 'flag', name: '--control-port' },
          healthCheckPath: { kind: 'default' },
        },
        restartNeeded: false,
        fileError: null,
      },
    });

    const bad = await rpc('settings:save', [{ stopTimeoutMs: -5 }]);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENTS', field: 'stopTimeoutMs' } });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      maxRestartAttempts: 7,
      healthCheckIntervalMs: 20_000,
      stopTimeoutMs: 3_000,
    });

    const saved = await rpc('settings:save', [{ maxRestartAttempts: 2, healthCheckPath: '/health' }]);
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ ok: true, data: { restartNeeded: true } });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ maxRestartAttempts: 2, healthCheckPath: '/health' });

    await pollUntil(
      async () => {
        const status = await fetch(`${server!.url}/api/v1/admin/backend/status`, {
          headers: { authorization: `Bearer ${server!.token}` },
        });
        return ((await status.json()) as { status: string }).status === 'running';
      },
      30_000,
      100,
      'the backend running',
    );
    const probe = await rpc('settings:testHealthUrl', [
      { url: `http://127.0.0.1:${server.backendPort}`, path: '/health', timeoutMs: 5_000 },
    ]);
    expect(probe.body).toMatchObject({
      ok: true,
      data: { ok: true, status_code: 200, error: null, url: `http://127.0.0.1:${server.backendPort}/health` },
    });
    const refused = await rpc('settings:testHealthUrl', [{ url: 'http://127.0.0.1:1', path: '/', timeoutMs: 1_000 }]);
    expect(refused.body).toMatchObject({ ok: true, data: { ok: false, error: 'connection refused' } });

    const imported = await rpc('settings:importEnv', ['# seed\nHEALTH_CHECK_TIMEOUT="2.5"\nSTOP_TIMEOUT=x\n']);
    expect(imported.body).toMatchObject({
      ok: true,
      data: { values: { healthCheckTimeoutMs: 2_500 }, problems: [expect.stringContaining('line 3: STOP_TIMEOUT')] },
    });
  });
});
