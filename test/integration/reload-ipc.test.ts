/**
 * Issue 14, part 2, as the desktop app has it: the runtime built with a reload source over a
 * settings file (index.ts), `config:reload` through the IPC registration (ipc.ts, the same
 * dispatcher as HTTP), a real backend (fault-backend.mjs). Probe and restart settings keep
 * the pid; new arguments restart the backend; a corrupt settings file changes nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as electron from '../mocks/electron';
import type { RpcEnvelope } from '../../src/shared/contract';
import type { ReloadResult } from '../../src/shared/reload';
import type { Settings } from '../../src/shared/settings';
import { loadConfig, type ConfigDefaults } from '../../src/main/core/config';
import { createRuntime, type SupervisorRuntime } from '../../src/main/core/runtime';
import { SettingsFileError } from '../../src/main/core/settings/settings-errors';
import type { SettingsSource } from '../../src/main/core/settings/settings-service';
import { loadStack } from '../../src/main/core/stack/stack-location';
import { reloadSource } from '../../src/main/core/stack/stack-reload-source';
import { FAULT_BACKEND, freePort, groupAlive, tempDir } from '../helpers/supervise';

vi.mock('electron', () => import('../mocks/electron'));
const { registerIpc } = await import('../../src/main/app/ipc');

let runtime: SupervisorRuntime | null = null;
let unregister: () => void = () => undefined;
afterEach(async () => {
  unregister();
  await runtime?.shutdown();
  runtime = null;
});

/** The settings file as a store: JSON, `{}` when empty; a corrupt one throws as the real stores do. */
function fileStore(path: string): SettingsSource['store'] {
  return {
    path,
    load: () => {
      try {
        return JSON.parse(readFileSync(path, 'utf8')) as Settings;
      } catch (err) {
        throw new SettingsFileError(path, `is not valid JSON (${(err as Error).message})`);
      }
    },
    save: (values) => {
      writeFileSync(path, JSON.stringify(values));
      return values;
    },
  };
}

describe('config:reload over IPC (the desktop app)', () => {
  it('applies probe settings in place, restarts on new arguments, refuses a corrupt file', async () => {
    const dir = tempDir('bsup-reload-ipc-');
    const port = await freePort();
    const settingsFile = join(dir, 'settings.json');
    writeFileSync(settingsFile, '{}');
    // DATABASE_URL: the fault backend is the "bundled" one here; it needs no embedded PostgreSQL.
    const env = {
      SUPERVISOR_DATA_DIR: dir,
      GO_BACKEND_URL: `http://127.0.0.1:${port}`,
      HEALTH_CHECK_INTERVAL: '0.2',
      DATABASE_URL: 'postgres://unused@127.0.0.1:1/none',
    };
    const defaults: ConfigDefaults = {
      command: process.execPath,
      args: [FAULT_BACKEND],
      env: (config) => ({ PORT: new URL(config.backendUrl).port }),
    };
    const store = fileStore(settingsFile);
    const settings: SettingsSource = {
      store,
      resolve: (values) => loadConfig(env, defaults, { dataDir: dir, ...values }),
      overrides: new Map(),
    };
    const config = settings.resolve(store.load());
    const definition = await loadStack(config, env, undefined, defaults);
    runtime = createRuntime(
      config,
      undefined,
      settings,
      undefined,
      definition,
      reloadSource({ settings, env, defaults }),
    );
    unregister = registerIpc(runtime.handlers, () => true, electron.ipcMain as never);
    const call = (args: unknown[]): Promise<RpcEnvelope<ReloadResult>> =>
      electron.ipcMain.handlers.get('config:reload')?.({}, args) as Promise<RpcEnvelope<ReloadResult>>;

    const started = await runtime.supervisor.start('app-start');
    expect(started.success).toBe(true);
    const pid = runtime.supervisor.status().pid;

    writeFileSync(settingsFile, JSON.stringify({ healthCheckTimeoutMs: 900, maxRestartAttempts: 7 }));
    const plan = await call([{ dryRun: true }]);
    expect(plan).toMatchObject({
      ok: true,
      data: {
        applied: false,
        services: [{ service: 'backend', action: 'update', changes: ['health.timeout', 'restart.max_attempts'] }],
      },
    });
    expect(runtime.supervisor.settings.healthCheckTimeoutMs).toBe(5_000); // the default, unchanged by a dry run
    const applied = await call([{}]);
    expect(applied).toMatchObject({ ok: true, data: { applied: true } });
    expect(runtime.supervisor.status().pid).toBe(pid);
    expect(runtime.supervisor.settings.healthCheckTimeoutMs).toBe(900);
    expect(runtime.supervisor.settings.maxRestartAttempts).toBe(7);

    writeFileSync(settingsFile, JSON.stringify({ healthCheckTimeoutMs: 900, args: [FAULT_BACKEND, '--reloaded'] }));
    const restart = await call([]);
    expect(restart).toMatchObject({
      ok: true,
      data: {
        applied: true,
        services: [{ service: 'backend', action: 'restart', changes: ['args', 'restart.max_attempts'] }],
      },
    });
    const status = runtime.supervisor.status();
    expect(status.status).toBe('running');
    expect(status.pid).not.toBe(pid);
    expect(groupAlive(pid as number)).toBe(false);

    writeFileSync(settingsFile, '{"healthCheckTimeoutMs": 9');
    const refused = await call([]);
    expect(refused).toMatchObject({ ok: false, error: { code: 'SETTINGS_FILE_INVALID' } });
    expect(runtime.supervisor.status().pid).toBe(status.pid);
    expect(runtime.supervisor.settings.maxRestartAttempts).toBe(3);

    // A stack file put in the data folder is read by the next reload: the Settings page's
    // stack file view says it runs now.
    writeFileSync(settingsFile, '{}');
    const getFile = (): Promise<RpcEnvelope<{ active: boolean }>> =>
      electron.ipcMain.handlers.get('stack:getFile')?.({}, []) as Promise<RpcEnvelope<{ active: boolean }>>;
    writeFileSync(
      join(dir, 'stack.yaml'),
      JSON.stringify({
        services: {
          backend: {
            command: [process.execPath, FAULT_BACKEND],
            environment: { PORT: String(port) },
            health: { http: `http://127.0.0.1:${port}/health` },
          },
        },
      }),
    );
    expect(await getFile()).toMatchObject({ ok: true, data: { active: false } });
    expect(await call([])).toMatchObject({ ok: true, data: { applied: true, file: join(dir, 'stack.yaml') } });
    expect(await getFile()).toMatchObject({ ok: true, data: { active: true } });
    expect(runtime.supervisor.status().status).toBe('running');
  });
});
