/**
 * The default stack (README "Embedded PostgreSQL"): `serve` without a stack file and without
 * a DATABASE_URL runs the embedded PostgreSQL `postgres` and the bundled reference backend on
 * it, in that order; the database and its port survive a restart of the supervisor.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceStatus } from '../../src/shared/services';
import { DEFAULT_DATABASE_PORT_FILE } from '../../src/main/core/stack/default-stack';
import { isRoot } from '../../src/main/core/postgres/run-as';
import { startHeadless, type HeadlessServer } from '../helpers/headless-server';
import { aliveProcess, processesWhere, uidOf } from '../helpers/proc';
import { createTestDatabase, postgresTarget } from '../helpers/ref-backend-pg';
import { untilServices } from '../helpers/stack';
import { pollUntil } from '../helpers/supervise';

const started: HeadlessServer[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

async function start(env: Record<string, string> = {}): Promise<HeadlessServer> {
  const server = await startHeadless(env);
  started.push(server);
  return server;
}

const byName = (list: ServiceStatus[], name: string): ServiceStatus | undefined => list.find((s) => s.name === name);
const bothRunning = (list: ServiceStatus[]): boolean =>
  byName(list, 'postgres')?.status === 'running' && byName(list, 'backend')?.status === 'running';

/** The environment of a live process, from /proc/<pid>/environ. */
function environOf(pid: number): Record<string, string> {
  const pairs = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  return Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
}

async function login(server: HeadlessServer): Promise<Response> {
  return fetch(`http://127.0.0.1:${server.backendPort}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@example.com', password: 'correct-horse-battery' }),
  });
}

describe('the default stack: embedded PostgreSQL → reference backend', () => {
  it('runs both, the backend on the database it was given, and keeps data and port across a restart', async () => {
    const first = await start();
    const list = await untilServices(first, 'postgres and backend running', bothRunning, 60_000);
    expect(list.map((s) => s.name)).toEqual(['postgres', 'backend']);
    expect(byName(list, 'backend')!.depends_on).toEqual([{ service: 'postgres', condition: 'service_healthy' }]);
    expect(first.output()).toMatch(/backend-supervisor: database postgres: embedded PostgreSQL on 127\.0\.0\.1:\d+/);

    // The port it chose is remembered, and is the one the backend connects to.
    const port = Number(readFileSync(join(first.dataDir, DEFAULT_DATABASE_PORT_FILE), 'utf8'));
    expect(Number.isInteger(port) && port > 0).toBe(true);
    const dbPid = byName(list, 'postgres')!.pid!;
    const backendPid = byName(list, 'backend')!.pid!;
    const url = new URL(environOf(backendPid)['DATABASE_URL']!);
    expect([url.hostname, url.port, url.pathname]).toEqual(['127.0.0.1', String(port), '/app']);
    // Its files are in the data folder (enterable by anyone here, so as root too), and as
    // root it runs as the unprivileged user: PostgreSQL refuses root.
    expect(existsSync(join(first.dataDir, 'postgres', 'postgres', 'PG_VERSION'))).toBe(true);
    if (isRoot()) expect(uidOf(dbPid)).not.toBe(0);

    // The seed's routes act on the backend; its API answers from PostgreSQL.
    const status = await fetch(`${first.url}/api/v1/admin/backend/status`, {
      headers: { authorization: `Bearer ${first.token}` },
    });
    expect(((await status.json()) as { status: string }).status).toBe('running');
    expect((await login(first)).status).toBe(200);
    const created = await fetch(`http://127.0.0.1:${first.backendPort}/products`);
    expect(created.status).toBe(200);

    // Stopped by SIGTERM: nothing of the stack is left.
    const groupPids = processesWhere((_, s) => s.pgrp === dbPid || s.pgrp === backendPid);
    expect(await first.stop()).toBe(0);
    started.splice(started.indexOf(first), 1);
    await pollUntil(() => !groupPids.some(aliveProcess), 5_000, 25, 'no process of the stack left');

    // Warm: the same folder, the same port and data (the admin seeded once logs in again).
    const second = await start({ SUPERVISOR_DATA_DIR: first.dataDir });
    const again = await untilServices(second, 'postgres and backend running again', bothRunning, 60_000);
    expect(new URL(environOf(byName(again, 'backend')!.pid!)['DATABASE_URL']!).port).toBe(String(port));
    expect((await login(second)).status).toBe(200);
    expect(second.output()).not.toContain('admin account created');
    expect(statSync(join(first.dataDir, DEFAULT_DATABASE_PORT_FILE)).mode & 0o777).toBe(0o600);
  }, 180_000);

  it('with a DATABASE_URL of its own, the backend runs alone on it: no embedded PostgreSQL', async () => {
    const database = await createTestDatabase(postgresTarget().url, 'default_stack');
    try {
      const server = await start({ DATABASE_URL: database.url });
      const list = await untilServices(
        server,
        'the backend running',
        (l) => byName(l, 'backend')?.status === 'running',
        60_000,
      );
      expect(list.map((s) => s.name)).toEqual(['backend']);
      expect(existsSync(join(server.dataDir, DEFAULT_DATABASE_PORT_FILE))).toBe(false);
      expect((await login(server)).status).toBe(200);
      await server.stop();
    } finally {
      await database.drop();
    }
  }, 120_000);
});
