/**
 * Wiring of the desktop's settings store (electron-store) with the one Electron mock.
 *
 * electron-store is an npm package, so vitest loads it natively and `vi.mock('electron')`
 * does not reach its own `import electron from 'electron'`: that import gets the real
 * `electron` npm package, which in plain Node exports the path of the Electron binary and
 * throws when the binary was never downloaded (as here). ELECTRON_OVERRIDE_DIST_PATH makes
 * it return a (never used) path instead; electron-store then finds no `app`/`ipcMain` and,
 * because the store is given an absolute folder, needs neither. So this runs the real
 * electron-store code (validation, atomic write), with our code under the mock.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConfigDefaults } from '../../src/main/core/config';

vi.mock('electron', () => import('../mocks/electron'));

let ElectronSettingsStore: typeof import('../../src/main/app/electron-settings-store').ElectronSettingsStore;
let loadDesktopConfig: typeof import('../../src/main/app/electron-settings-store').loadDesktopConfig;
let SettingsFileError: typeof import('../../src/main/core/settings/settings-errors').SettingsFileError;

beforeAll(async () => {
  process.env.ELECTRON_OVERRIDE_DIST_PATH ??= join(tmpdir(), 'no-electron-dist');
  ({ ElectronSettingsStore, loadDesktopConfig } = await import('../../src/main/app/electron-settings-store'));
  ({ SettingsFileError } = await import('../../src/main/core/settings/settings-errors'));
});

let userData: string;
beforeEach(() => {
  userData = mkdtempSync(join(tmpdir(), 'bsup-user-data-'));
});
afterEach(() => rmSync(userData, { recursive: true, force: true }));

const DEFAULTS: ConfigDefaults = { command: '/opt/app/node', args: ['/opt/app/server.js'] };

describe('ElectronSettingsStore', () => {
  it('saves through electron-store (atomic write, its own schema check) and loads back', () => {
    const file = join(userData, 'settings.json');
    const store = new ElectronSettingsStore(file);
    expect(store.load()).toEqual({});
    store.save({ healthCheckIntervalMs: 15_000, args: ['--verbose'] });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ healthCheckIntervalMs: 15_000, args: ['--verbose'] });
    expect(new ElectronSettingsStore(file).load()).toEqual({ healthCheckIntervalMs: 15_000, args: ['--verbose'] });
    const library = (store as unknown as { library: { store: unknown } }).library;
    expect(() => {
      library.store = { healthCheckIntervalMs: 'often' };
    }).toThrow(/schema violation/);
  });

  it('never resets a corrupt file: load names it, save is refused, the bytes stay', () => {
    const file = join(userData, 'settings.json');
    writeFileSync(file, '{"autoRestart": tru');
    const store = new ElectronSettingsStore(file);
    expect(() => store.load()).toThrow(SettingsFileError);
    expect(() => store.save({ autoRestart: false })).toThrow(SettingsFileError);
    expect(readFileSync(file, 'utf8')).toBe('{"autoRestart": tru');
  });
});

describe('loadDesktopConfig', () => {
  it('environment > settings file (<userData>/settings.json) > defaults', () => {
    writeFileSync(
      join(userData, 'settings.json'),
      JSON.stringify({ healthCheckIntervalMs: 12_000, stopTimeoutMs: 4_000, backendUrl: 'http://127.0.0.1:3900' }),
    );
    const { config, settings, settingsError } = loadDesktopConfig({ STOP_TIMEOUT: '2' }, DEFAULTS, userData);
    expect(settingsError).toBeNull();
    expect(config).toMatchObject({
      dataDir: userData,
      healthCheckIntervalMs: 12_000,
      stopTimeoutMs: 2_000,
      backendUrl: 'http://127.0.0.1:3900',
      command: '/opt/app/node',
    });
    expect(settings.store.path).toBe(join(userData, 'settings.json'));
    expect(settings.overrides.get('stopTimeoutMs')).toEqual({ kind: 'environment', name: 'STOP_TIMEOUT' });
    expect(settings.resolve({ maxRestartAttempts: 8 }).maxRestartAttempts).toBe(8);
  });

  it('the file follows SUPERVISOR_DATA_DIR', () => {
    const other = mkdtempSync(join(tmpdir(), 'bsup-data-'));
    try {
      writeFileSync(join(other, 'settings.json'), JSON.stringify({ maxRestartAttempts: 6 }));
      const { config, settings } = loadDesktopConfig({ SUPERVISOR_DATA_DIR: other }, DEFAULTS, userData);
      expect(settings.store.path).toBe(join(other, 'settings.json'));
      expect(config).toMatchObject({ dataDir: other, maxRestartAttempts: 6 });
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('a corrupt file: runs with the defaults, says why (file and field), and leaves the file alone', () => {
    const file = join(userData, 'settings.json');
    writeFileSync(file, JSON.stringify({ healthFailureThreshold: 0 }));
    const before = readFileSync(file);
    const { config, settingsError, settings } = loadDesktopConfig({}, DEFAULTS, userData);
    expect(settingsError).toContain(`settings file ${file}: field "healthFailureThreshold"`);
    expect(settingsError).toContain('runs with the default settings');
    expect(config.healthFailureThreshold).toBe(3);
    expect(() => settings.store.save({ healthFailureThreshold: 2 })).toThrow(SettingsFileError);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('settings that do not combine with the environment: defaults and an explanation', () => {
    writeFileSync(join(userData, 'settings.json'), JSON.stringify({ maxRestartDelayMs: 2_000 }));
    const { config, settingsError } = loadDesktopConfig({ RESTART_DELAY: '5' }, DEFAULTS, userData);
    expect(settingsError).toMatch(/do not make a valid configuration: .*MAX_RESTART_DELAY/);
    expect(config.maxRestartDelayMs).toBe(30_000);
  });

  it('an invalid environment is still an error for the caller (dialog, quit)', () => {
    expect(() => loadDesktopConfig({ HEALTH_CHECK_INTERVAL: 'x' }, DEFAULTS, userData)).toThrow(
      /HEALTH_CHECK_INTERVAL/,
    );
  });
});
