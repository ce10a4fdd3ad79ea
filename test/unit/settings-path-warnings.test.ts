// A command or working directory that the next start would crash on is named beside its
// field on .env import and on save (a warning: the settings are still saved), checked in
// the main process with the launcher's own checks, on real files.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/main/core/config';
import type { HealthProbe } from '../../src/main/core/health-probe';
import { createRpcHandlers, dispatchRpc, type RpcDeps } from '../../src/main/core/rpc';
import { ConfSettingsStore } from '../../src/main/core/settings/settings-file-store';
import { overridesOf, SettingsService } from '../../src/main/core/settings/settings-service';
import { channels } from '../../src/shared/contract';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bsup-settings-paths-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const probe: HealthProbe = {
  probe: async () => ({ at: 'now', ok: true, latency_ms: 1, status_code: 200, error: null, body: null }),
  close: async () => undefined,
};

/** The settings channels over a real settings file, the config built as the entry builds it. */
function settingsHandlers() {
  const store = new ConfSettingsStore(join(dir, 'data', 'settings.json'));
  const resolve = (values: object) =>
    loadConfig({}, { command: process.execPath, args: [] }, values, { dataDir: join(dir, 'data') });
  const running = resolve({});
  const settings = new SettingsService({ store, resolve, overrides: overridesOf({}) }, () => running, probe);
  return createRpcHandlers({ settings } as unknown as RpcDeps);
}

async function call(channel: 'settings:importEnv' | 'settings:save' | 'settings:get', arg?: unknown) {
  const handlers = settingsHandlers();
  const res = await dispatchRpc(handlers, channel, arg === undefined ? [] : [arg], 'user-ui');
  if (!res.ok) throw new Error(`${channel} failed: ${res.error.message}`);
  // What crosses IPC/HTTP: the contract's result schema must carry the warnings.
  return channels[channel].result.parse(res.data) as { warnings?: Record<string, string> };
}

describe('settings path warnings (import and save)', () => {
  it('.env import: a missing working directory and a command relative to it', async () => {
    const missing = join(dir, 'opt', 'restaurant');
    const result = await call('settings:importEnv', `GO_BACKEND_BINARY=./bin/server\nBACKEND_WORKING_DIR=${missing}\n`);
    expect(result.warnings).toEqual({ workingDir: `working directory not found: ${missing}` });
  });

  it('.env import: a relative command missing in an existing working directory', async () => {
    const app = join(dir, 'app');
    mkdirSync(app);
    const result = await call('settings:importEnv', `GO_BACKEND_BINARY=./bin/server\nBACKEND_WORKING_DIR=${app}\n`);
    expect(result.warnings).toEqual({ command: `backend command not found: ${join(app, 'bin', 'server')}` });
  });

  it('save: not executable, not a folder, not in PATH are warned about, and saved anyway', async () => {
    const script = join(dir, 'server.sh');
    writeFileSync(script, '#!/bin/sh\nexit 0\n');
    chmodSync(script, 0o644);
    const saved = await call('settings:save', { command: script, workingDir: script });
    expect(saved.warnings).toEqual({
      workingDir: `working directory is not a directory: ${script}`,
      command: `backend command is not executable: ${script} (try chmod +x)`,
    });
    // Saved: the page shows the same warnings when it loads again.
    expect((await call('settings:get')).warnings).toEqual(saved.warnings);

    const bare = await call('settings:save', { command: 'no-such-backend-xyz' });
    expect(bare.warnings).toEqual({ command: 'backend command not found in PATH: no-such-backend-xyz' });
  });

  it('a script whose #! interpreter is missing is named with its interpreter', async () => {
    const script = join(dir, 'run');
    writeFileSync(script, '#!/nonexistent/interp\n');
    chmodSync(script, 0o755);
    const saved = await call('settings:save', { command: script });
    expect(saved.warnings?.command).toMatch(/^interpreter not found: \/nonexistent\/interp/);
  });

  it('no warnings for a command that runs, nor in remote mode (nothing is started)', async () => {
    expect((await call('settings:save', { command: process.execPath })).warnings).toEqual({});
    expect((await call('settings:save', { orchestratorEnabled: false, command: '/nope/server' })).warnings).toEqual({});
    expect((await call('settings:importEnv', 'STOP_TIMEOUT=3\n')).warnings).toEqual({});
  });
});
