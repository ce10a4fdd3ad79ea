import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { SupervisorConfigSchema } from '../../src/shared/config';
import type { Supervisor } from '../../src/main/core/supervisor';
import { createTestDatabase, postgresTarget, type TestDatabase } from '../helpers/ref-backend-pg';
import { freePort, groupAlive, pidAlive, realSupervisor, tempDir, waitForState } from '../helpers/supervise';

const SERVER = join(import.meta.dirname, '..', '..', 'out', 'reference-backend', 'server.js');

let supervisor: Supervisor;
let port: number;
let database: TestDatabase;

beforeAll(async () => {
  port = await freePort();
  database = await createTestDatabase(postgresTarget().url, 'supervised_refbackend');
  const config = SupervisorConfigSchema.parse({
    command: process.execPath,
    args: [SERVER],
    backendUrl: `http://127.0.0.1:${port}`,
    env: {
      PORT: String(port),
      DATA_DIR: join(tempDir(), 'data'),
      DATABASE_URL: database.url,
      ADMIN_EMAIL: 'admin@example.com',
      ADMIN_PASSWORD: 'correct-horse-battery',
    },
    healthCheckIntervalMs: 500,
    startupTimeoutMs: 30_000,
    stopTimeoutMs: 5_000,
    dataDir: tempDir(),
  });
  supervisor = realSupervisor(config).supervisor;
});
afterAll(async () => {
  await supervisor?.dispose();
  await database?.drop();
});

describe('the reference backend under the supervisor', () => {
  it('starts to running and answers its API', async () => {
    const result = await supervisor.start('user-ui');
    expect(result).toMatchObject({ success: true, status: 'running' });
    const res = await request(`http://127.0.0.1:${port}/products`);
    expect(res.statusCode).toBe(200);
    expect(((await res.body.json()) as unknown[]).length).toBeGreaterThan(0);
    const health = (await (await request(`http://127.0.0.1:${port}/health`)).body.json()) as { instance_id?: string };
    expect(health.instance_id).toBe(supervisor.instanceId);
  });

  it('brings it back after kill -9, with restart_count 1', async () => {
    const first = supervisor.status().pid as number;
    process.kill(first, 'SIGKILL');
    await waitForState(supervisor, 'running', 30_000, () => supervisor.status().pid !== first);
    expect(supervisor.status()).toMatchObject({
      status: 'running',
      restart_count: 1,
      last_exit: { signal: 'SIGKILL', expected: false },
    });
    expect(pidAlive(first)).toBe(false);
  });

  it('stops it with SIGTERM and leaves no process of the group', async () => {
    const pid = supervisor.status().pid as number;
    const result = await supervisor.stop('user-ui');
    expect(result).toMatchObject({ success: true, status: 'stopped' });
    // It exits cleanly on SIGTERM: code 0, no escalation needed.
    expect(supervisor.status().last_exit).toMatchObject({ code: 0, signal: null, expected: true });
    expect(groupAlive(pid)).toBe(false);
  });
});
