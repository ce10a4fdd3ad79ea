// The desktop app's defaults and switches: which backend a packaged app runs (reference
// or site backend), DESKTOP_* / START_AT_LOGIN flags, start at login, and the optional
// control server in desktop mode.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import * as electron from '../mocks/electron';
import { loadConfig } from '../../src/main/core/config';
import { ConfigError } from '../../src/main/core/errors';

vi.mock('electron', () => import('../mocks/electron'));

const { desktopBackendDefaults, siteBackendDefaults } = await import('../../src/main/app/backend-defaults');
const { readDesktopFlags } = await import('../../src/main/app/desktop-flags');
const { applyStartAtLogin, autostartFile } = await import('../../src/main/app/login-item');
const { startDesktopControlServer } = await import('../../src/main/app/desktop-control-server');
const { createRuntime } = await import('../../src/main/core/runtime');

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bsup-desktop-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => tempDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('default backend of the desktop app', () => {
  it('in a checkout: the reference backend in out/', () => {
    const defaults = desktopBackendDefaults({ isPackaged: false, resourcesPath: '/r', outDir: '/src/out' });
    expect(defaults.args).toEqual(['/src/out/reference-backend/server.js']);
    expect(defaults.workingDir).toBe('/src/out/reference-backend');
  });

  it('packaged: the reference backend in resources/, run by the app binary as Node', () => {
    const resources = tempDir();
    const defaults = desktopBackendDefaults({ isPackaged: true, resourcesPath: resources, outDir: '/asar/out' });
    const config = loadConfig({}, defaults, { dataDir: '/data' });
    expect(config.command).toBe(process.execPath);
    expect(config.args).toEqual([join(resources, 'reference-backend', 'server.js')]);
    expect(config.workingDir).toBe(join(resources, 'reference-backend'));
    expect(config.env).toMatchObject({
      ELECTRON_RUN_AS_NODE: '1',
      PORT: '3000',
      HOST: '127.0.0.1',
      DATA_DIR: join('/data', 'reference-backend'),
    });
    // An explicit command wins over the packaged default, and gets none of its environment.
    const own = loadConfig({ GO_BACKEND_BINARY: '/opt/site/server' }, defaults, { dataDir: '/data' });
    expect(own.command).toBe('/opt/site/server');
    expect(own.env).not.toHaveProperty('ELECTRON_RUN_AS_NODE');
  });

  it('packaged with a site backend: the executable its manifest names', () => {
    const resources = tempDir();
    const site = join(resources, 'site-backend');
    mkdirSync(site);
    writeFileSync(join(site, 'README.md'), 'placeholder');
    // Only a README (the placeholder shipped by default): the reference backend.
    expect(siteBackendDefaults(site)).toBeNull();

    writeFileSync(join(site, 'server'), '#!/bin/sh\n');
    chmodSync(join(site, 'server'), 0o755);
    writeFileSync(
      join(site, 'backend.json'),
      JSON.stringify({ command: 'server', args: ['--port', '3000'], env: { MODE: 'site' } }),
    );
    const config = loadConfig(
      {},
      desktopBackendDefaults({ isPackaged: true, resourcesPath: resources, outDir: '/x' }),
      { dataDir: '/data' },
    );
    expect(config).toMatchObject({ command: join(site, 'server'), args: ['--port', '3000'], workingDir: site });
    expect(config.env).toEqual({ MODE: 'site' });
  });

  it('refuses a manifest that is invalid, points outside its folder or names no executable', () => {
    const site = tempDir();
    const manifest = (value: unknown) => writeFileSync(join(site, 'backend.json'), JSON.stringify(value));
    manifest({ command: 'missing' });
    expect(() => siteBackendDefaults(site)).toThrow(/missing or not executable/);
    writeFileSync(join(site, 'data.txt'), 'not a program');
    chmodSync(join(site, 'data.txt'), 0o644);
    manifest({ command: 'data.txt' });
    expect(() => siteBackendDefaults(site, 'linux')).toThrow(/not executable/);
    manifest({ command: '../../bin/sh' });
    expect(() => siteBackendDefaults(site)).toThrow(/outside its folder/);
    manifest({ command: 'server', shell: true });
    expect(() => siteBackendDefaults(site)).toThrow(ConfigError);
    writeFileSync(join(site, 'backend.json'), '{ not json');
    expect(() => siteBackendDefaults(site)).toThrow(/invalid/);
  });
});

describe('desktop flags', () => {
  it('reads DESKTOP_CONTROL_SERVER, START_AT_LOGIN and DESKTOP_TRAY', () => {
    expect(readDesktopFlags({})).toEqual({ controlServer: false, startAtLogin: undefined, tray: true });
    expect(readDesktopFlags({ DESKTOP_CONTROL_SERVER: 'true', START_AT_LOGIN: 'no', DESKTOP_TRAY: '0' })).toEqual({
      controlServer: true,
      startAtLogin: false,
      tray: false,
    });
    expect(() => readDesktopFlags({ DESKTOP_CONTROL_SERVER: 'maybe', START_AT_LOGIN: '2' })).toThrow(
      /DESKTOP_CONTROL_SERVER="maybe".*START_AT_LOGIN="2"/,
    );
  });
});

describe('start at login', () => {
  it('macOS and Windows: Electron login item settings', () => {
    electron.app.loginItemSettings.length = 0;
    const deps = { app: electron.app as never, env: {}, execPath: '/x' };
    applyStartAtLogin(true, { ...deps, platform: 'darwin' });
    applyStartAtLogin(false, { ...deps, platform: 'win32' });
    expect(electron.app.loginItemSettings).toEqual([{ openAtLogin: true }, { openAtLogin: false }]);
  });

  it('Linux: an XDG autostart entry that starts the AppImage itself', () => {
    const env = { XDG_CONFIG_HOME: tempDir(), APPIMAGE: '/home/me/Apps/Backend Supervisor-0.1.0.AppImage' };
    const deps = {
      app: electron.app as never,
      platform: 'linux' as const,
      env,
      execPath: '/tmp/.mount_x/backend-supervisor',
    };
    const file = applyStartAtLogin(true, deps);
    expect(file).toBe(autostartFile(env));
    expect(file).toBe(join(env.XDG_CONFIG_HOME, 'autostart', 'backend-supervisor.desktop'));
    const entry = readFileSync(file, 'utf8');
    expect(entry).toContain('[Desktop Entry]');
    expect(entry).toContain('Exec="/home/me/Apps/Backend Supervisor-0.1.0.AppImage"\n');
    applyStartAtLogin(false, deps);
    expect(existsSync(file)).toBe(false);
    // A deb install: the executable path, unquoted when it needs no quoting.
    applyStartAtLogin(true, { ...deps, env: { XDG_CONFIG_HOME: env.XDG_CONFIG_HOME } });
    expect(readFileSync(file, 'utf8')).toContain('Exec=/tmp/.mount_x/backend-supervisor\n');
  });
});

describe('control server in desktop mode', () => {
  let stop: (() => Promise<void>) | null = null;
  afterEach(async () => {
    await stop?.();
    stop = null;
  });

  it('serves the control API with a token, like headless', async () => {
    const dataDir = tempDir();
    const config = loadConfig(
      { CONTROL_PORT: '0', HEALTH_CHECK_INTERVAL: '3600' },
      { command: process.execPath },
      { dataDir },
    );
    const runtime = createRuntime(config);
    const server = await startDesktopControlServer(runtime, config, join(dataDir, 'no-dashboard'));
    stop = async () => {
      await server.close();
      await runtime.shutdown();
    };
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(server.tokenPath).toBe(join(dataDir, 'control-token'));
    const token = readFileSync(join(dataDir, 'control-token'), 'utf8').trim();
    const status = `${server.url}api/v1/admin/backend/status`;
    expect((await fetch(status)).status).toBe(401);
    const ok = await fetch(status, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: 'stopped' });
  });

  it('reports a taken port', async () => {
    const dataDir = tempDir();
    const first = loadConfig({ CONTROL_PORT: '0' }, { command: process.execPath }, { dataDir });
    const runtime = createRuntime(first);
    const server = await startDesktopControlServer(runtime, first, dataDir);
    stop = async () => {
      await server.close();
      await runtime.shutdown();
    };
    const port = Number(new URL(server.url).port);
    await expect(startDesktopControlServer(runtime, { ...first, controlPort: port }, dataDir)).rejects.toThrow(
      /EADDRINUSE/,
    );
  });
});
