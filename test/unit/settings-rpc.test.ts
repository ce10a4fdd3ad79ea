import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/main/core/config';
import type { HealthProbe } from '../../src/main/core/health-probe';
import { createRpcHandlers, dispatchRpc, httpStatusOf, type RpcDeps, type RpcHandlers } from '../../src/main/core/rpc';
import { ConfSettingsStore } from '../../src/main/core/settings/settings-file-store';
import { overridesOf, SettingsService } from '../../src/main/core/settings/settings-service';
import { channels } from '../../src/shared/contract';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bsup-settings-rpc-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A handler table whose settings handlers record their calls (the others are never called here). */
function recordingHandlers() {
  const save = vi.fn(async () => ({}) as never);
  const test = vi.fn(async () => ({}) as never);
  const importEnv = vi.fn(async () => ({ values: {}, problems: [], ignored: [] }));
  const handlers = {
    'settings:save': save,
    'settings:testHealthUrl': test,
    'settings:importEnv': importEnv,
  } as unknown as RpcHandlers;
  return { handlers, save, test, importEnv };
}

describe('settings channels in the contract', () => {
  it('are declared with the settings schema as the save argument', () => {
    expect(Object.keys(channels)).toEqual(
      expect.arrayContaining(['settings:get', 'settings:save', 'settings:testHealthUrl', 'settings:importEnv']),
    );
    expect(channels['settings:save'].args.safeParse([{ healthCheckIntervalMs: 2_000 }]).success).toBe(true);
  });
});

describe('dispatchRpc refuses bad settings before the handler runs', () => {
  it.each([
    [{ healthCheckPath: 'health' }, 'healthCheckPath', 'must start with /'],
    [{ healthCheckIntervalMs: 5 }, 'healthCheckIntervalMs', 'Too small'],
    [{ controlPort: '8000' }, 'controlPort', 'expected number'],
    [{ backendUrl: 'ftp://host' }, 'backendUrl', 'must be an http:// or https:// URL'],
    [{ command: '' }, 'command', 'must not be empty'],
    [{ healthCheckInterval: 30 }, 'healthCheckInterval', 'Unrecognized key'],
    [{ restartDelayMs: 9_000, maxRestartDelayMs: 1_000 }, 'maxRestartDelayMs', 'must not be below the restart delay'],
    [{ controlToken: 'a-secret-that-is-long-enough' }, 'controlToken', 'Unrecognized key'],
  ])('%j → BAD_ARGUMENTS naming %s', async (values, field, text) => {
    const { handlers, save } = recordingHandlers();
    const res = await dispatchRpc(handlers, 'settings:save', [values], 'user-ui');
    expect(res).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENTS', field } });
    expect(res.ok ? '' : res.error.message).toContain(text);
    expect(save).not.toHaveBeenCalled();
  });

  it('passes good values on, parsed', async () => {
    const { handlers, save } = recordingHandlers();
    const res = await dispatchRpc(handlers, 'settings:save', [{ stopTimeoutMs: 2_000, args: ['-v'] }], 'user-ui');
    expect(res.ok).toBe(true);
    expect(save).toHaveBeenCalledWith('user-ui', { stopTimeoutMs: 2_000, args: ['-v'] });
  });

  it('bounds the other settings calls too', async () => {
    const { handlers, test, importEnv } = recordingHandlers();
    const tooLong = await dispatchRpc(
      handlers,
      'settings:testHealthUrl',
      [{ url: 'http://127.0.0.1:1', path: '/health', timeoutMs: 120_000 }],
      'user-ui',
    );
    expect(tooLong).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENTS', field: 'timeoutMs' } });
    const notUrl = await dispatchRpc(
      handlers,
      'settings:testHealthUrl',
      [{ url: 'file:///etc/passwd', path: '/x', timeoutMs: 1_000 }],
      'user-ui',
    );
    expect(notUrl).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENTS', field: 'url' } });
    expect(test).not.toHaveBeenCalled();
    const huge = await dispatchRpc(handlers, 'settings:importEnv', ['A=1\n'.repeat(100_000)], 'user-ui');
    expect(huge).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENTS' } });
    expect(importEnv).not.toHaveBeenCalled();
  });
});

describe('settings handlers of createRpcHandlers', () => {
  const probe: HealthProbe = {
    probe: async (url) => ({ at: 'now', ok: true, latency_ms: 1, status_code: 200, error: null, body: { url } }),
    close: async () => undefined,
  };

  function handlersWith(settings?: SettingsService): RpcHandlers {
    return createRpcHandlers({ settings } as unknown as RpcDeps);
  }

  function realService(env: Record<string, string> = {}): SettingsService {
    const store = new ConfSettingsStore(join(dir, 'settings.json'));
    const resolve = (values: object) => loadConfig(env, { command: '/bin/true' }, values, { dataDir: dir });
    const running = resolve({});
    return new SettingsService({ store, resolve, overrides: overridesOf(env) }, () => running, probe);
  }

  it('get / save / testHealthUrl / importEnv go through the service', async () => {
    const handlers = handlersWith(realService());
    const saved = await dispatchRpc(handlers, 'settings:save', [{ maxRestartAttempts: 4 }], 'user-ui');
    expect(saved).toMatchObject({ ok: true, data: { values: { maxRestartAttempts: 4 }, restartNeeded: true } });
    expect(channels['settings:save'].result.safeParse(saved.ok && saved.data).success).toBe(true);
    const got = await dispatchRpc(handlers, 'settings:get', [], 'user-ui');
    expect(got.ok && channels['settings:get'].result.parse(got.data).values).toEqual({ maxRestartAttempts: 4 });
    const probed = await dispatchRpc(
      handlers,
      'settings:testHealthUrl',
      [{ url: 'http://127.0.0.1:3000/api/', path: '/health', timeoutMs: 1_000 }],
      'user-ui',
    );
    expect(probed).toEqual({
      ok: true,
      data: { at: 'now', ok: true, latency_ms: 1, status_code: 200, error: null, url: 'http://127.0.0.1:3000/health' },
    });
    const imported = await dispatchRpc(handlers, 'settings:importEnv', ['STOP_TIMEOUT=3\nNOPE=1'], 'user-ui');
    expect(imported).toMatchObject({
      ok: true,
      data: { values: { stopTimeoutMs: 3_000 }, problems: [], ignored: ['NOPE (line 2): not a supervisor setting'] },
    });
  });

  it('a refusal of the service keeps its code and field', async () => {
    const handlers = handlersWith(realService({ RESTART_DELAY: '30' }));
    const res = await dispatchRpc(handlers, 'settings:save', [{ maxRestartDelayMs: 10_000 }], 'user-ui');
    expect(res).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENTS', field: 'maxRestartDelayMs' } });

    const file = join(dir, 'settings.json');
    writeFileSync(file, '{"stopTimeoutMs": 1000');
    const corrupt = await dispatchRpc(handlers, 'settings:save', [{ stopTimeoutMs: 2_000 }], 'user-ui');
    expect(corrupt).toMatchObject({ ok: false, error: { code: 'SETTINGS_FILE_INVALID' } });
    expect(httpStatusOf('SETTINGS_FILE_INVALID')).toBe(409);
    expect(readFileSync(file, 'utf8')).toBe('{"stopTimeoutMs": 1000');
  });

  it('without a settings store the channels say so', async () => {
    const res = await dispatchRpc(handlersWith(undefined), 'settings:get', [], 'user-ui');
    expect(res).toMatchObject({ ok: false, error: { code: 'SETTINGS_UNAVAILABLE' } });
  });
});

describe('ui:setLanguage', () => {
  it("answers NOT_AVAILABLE over RPC (only the desktop window's IPC relabels the tray)", async () => {
    const res = await dispatchRpc(createRpcHandlers({} as unknown as RpcDeps), 'ui:setLanguage', ['ru'], 'user-ui');
    expect(res).toMatchObject({ ok: false, error: { code: 'NOT_AVAILABLE' } });
  });
});

describe('dialog:pickFile', () => {
  const deps = {} as unknown as RpcDeps;
  it('answers NOT_AVAILABLE without a desktop file picker (headless)', async () => {
    const res = await dispatchRpc(createRpcHandlers(deps), 'dialog:pickFile', [], 'user-ui');
    expect(res).toMatchObject({ ok: false, error: { code: 'NOT_AVAILABLE' } });
    expect(httpStatusOf('NOT_AVAILABLE')).toBe(501);
  });
  it('answers the picked path, or null when cancelled', async () => {
    const pickFile = vi.fn(async (title?: string) => (title === 'cancel' ? null : '/opt/site/server'));
    const handlers = createRpcHandlers({ ...deps, pickFile });
    expect(await dispatchRpc(handlers, 'dialog:pickFile', [{ title: 'Backend executable' }], 'user-ui')).toEqual({
      ok: true,
      data: '/opt/site/server',
    });
    expect(await dispatchRpc(handlers, 'dialog:pickFile', [{ title: 'cancel' }], 'user-ui')).toEqual({
      ok: true,
      data: null,
    });
    expect(await dispatchRpc(handlers, 'dialog:pickFile', [{ path: '/etc' }], 'user-ui')).toMatchObject({
      ok: false,
      error: { code: 'BAD_ARGUMENTS' },
    });
  });
});
