import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as electron from '../mocks/electron';
import { channels } from '../../src/shared/contract';
import { LANGUAGES } from '../../src/shared/locales/languages';
import type { RpcHandlers } from '../../src/main/core/rpc';

vi.mock('electron', () => import('../mocks/electron'));

const { registerIpc, mainFrameOf } = await import('../../src/main/app/ipc');
const { createMainWindow } = await import('../../src/main/app/window');
const { ExternalLinks } = await import('../../src/main/app/external-links');
const { holdQuitUntilStopped } = await import('../../src/main/app/quit');
const { trayMenuTemplate } = await import('../../src/main/app/tray-menu');
const { trayIconName } = await import('../../src/main/app/tray');

const APP_URL = 'file:///opt/app/out/renderer/index.html';

function invokeEvent(opts: { senderId: number; url?: string; parent?: unknown }) {
  return {
    sender: { id: opts.senderId },
    senderFrame: opts.url === undefined ? null : { url: opts.url, parent: opts.parent ?? null },
  };
}

describe('window', () => {
  it('uses isolated, sandboxed webPreferences without Node', () => {
    const win = createMainWindow('/p/index.cjs', {
      file: '/opt/app/out/renderer/index.html',
    }) as unknown as electron.BrowserWindow;
    expect(win.options.webPreferences).toEqual({
      preload: '/p/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    });
    expect(win.loaded).toBe('/opt/app/out/renderer/index.html');
  });

  it('denies navigation and new windows; only links the main process made go to the browser', () => {
    electron.shell.opened.length = 0;
    const links = new ExternalLinks((url) => electron.shell.openExternal(url), ['http://127.0.0.1:3000']);
    const win = createMainWindow('/p', { file: '/x.html' }, { openLink: (url) => links.open(url) });
    const contents = (win as unknown as electron.BrowserWindow).webContents;
    const nav = {
      prevented: false,
      preventDefault() {
        this.prevented = true;
      },
    };
    contents.emit('will-navigate', nav, 'https://evil.example');
    expect(nav.prevented).toBe(true);
    for (const url of [
      'https://evil.example/x',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'http://127.0.0.1:3000/',
    ]) {
      expect(contents.windowOpenHandler?.({ url })).toEqual({ action: 'deny' });
    }
    expect(electron.shell.opened).toEqual(['http://127.0.0.1:3000/']);
  });
});

describe('IPC registration', () => {
  const calls: string[] = [];
  // A recording handler per contract channel.
  const handlers = Object.fromEntries(
    Object.keys(channels).map((channel) => [
      channel,
      vi.fn(async () => {
        calls.push(channel);
        return channel === 'logs:tail' ? [] : null;
      }),
    ]),
  ) as unknown as RpcHandlers & Record<string, ReturnType<typeof vi.fn>>;
  let unregister: () => void = () => undefined;
  beforeEach(() => {
    unregister();
    calls.length = 0;
    unregister = registerIpc(
      handlers,
      mainFrameOf(() => 7, APP_URL),
      electron.ipcMain as never,
    );
  });
  const call = (channel: string, event: unknown, args: unknown) =>
    electron.ipcMain.handlers.get(channel)?.(event, args);

  it('registers every contract channel once', () => {
    expect([...electron.ipcMain.handlers.keys()].sort()).toEqual(Object.keys(channels).sort());
  });

  it('answers a trusted call with the handler result', async () => {
    const res = await call('logs:tail', invokeEvent({ senderId: 7, url: APP_URL }), [{ limit: 5 }]);
    expect(res).toEqual({ ok: true, data: [] });
    expect(handlers['logs:tail']).toHaveBeenCalledWith('user-ui', { limit: 5 });
  });

  it('refuses a foreign sender, a subframe or another page before the handler runs', async () => {
    for (const event of [
      invokeEvent({ senderId: 8, url: APP_URL }),
      invokeEvent({ senderId: 7, url: APP_URL, parent: {} }),
      invokeEvent({ senderId: 7, url: 'https://evil.example/' }),
      invokeEvent({ senderId: 7 }),
    ]) {
      const res = await call('backend:stop', event, []);
      expect(res).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
    expect(calls).toEqual([]);
  });

  it('refuses bad arguments before the handler runs', async () => {
    const trusted = invokeEvent({ senderId: 7, url: APP_URL });
    for (const args of [
      [{ limit: 'all' }],
      [{ limit: 5, __proto__: { polluted: true }, extra: 1 }],
      ['x'.repeat(1000)],
      'not-an-array',
      [1, 2],
    ]) {
      const res = await call('logs:tail', trusted, args);
      expect(res).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENTS' } });
    }
    expect(await call('backend:stop', trusted, ['unexpected'])).toMatchObject({
      ok: false,
      error: { code: 'BAD_ARGUMENTS' },
    });
    expect(calls).toEqual([]);
  });

  it('ui:setLanguage takes each supported language exactly, as one argument', async () => {
    const trusted = invokeEvent({ senderId: 7, url: APP_URL });
    for (const language of LANGUAGES) {
      expect(await call('ui:setLanguage', trusted, [language])).toEqual({ ok: true, data: null });
    }
    expect(vi.mocked(handlers['ui:setLanguage']).mock.calls.slice(-LANGUAGES.length)).toEqual(
      LANGUAGES.map((language) => ['user-ui', language]),
    );
  });

  it('ui:setLanguage refuses any other value, and any other frame, before the handler runs', async () => {
    const trusted = invokeEvent({ senderId: 7, url: APP_URL });
    for (const args of [
      ['de'],
      ['RU'],
      ['ru-RU'],
      ['ru_RU.UTF-8'],
      [''],
      [' ru'],
      ['__proto__'],
      ['constructor'],
      [42],
      [null],
      [{ language: 'ru' }],
      [['ru']],
      ['ru', 'en'],
      [],
      'ru',
      ['x'.repeat(100_000)],
    ]) {
      expect(await call('ui:setLanguage', trusted, args), JSON.stringify(args).slice(0, 40)).toMatchObject({
        ok: false,
        error: { code: 'BAD_ARGUMENTS' },
      });
    }
    for (const event of [
      invokeEvent({ senderId: 8, url: APP_URL }),
      invokeEvent({ senderId: 7, url: APP_URL, parent: {} }),
      invokeEvent({ senderId: 7, url: 'https://evil.example/' }),
    ]) {
      expect(await call('ui:setLanguage', event, ['ru'])).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
    expect(calls).toEqual([]);
  });
});

describe('quit sequence', () => {
  it('holds the quit until the backend is stopped, then quits once', async () => {
    const app = new (electron.app.constructor as new () => typeof electron.app)();
    let finishStop: () => void = () => undefined;
    const shutdown = vi.fn(() => new Promise<void>((resolve) => (finishStop = resolve)));
    holdQuitUntilStopped(app as never, shutdown);
    app.quit();
    app.quit(); // a second Quit while stopping does not stop twice
    expect(shutdown).toHaveBeenCalledTimes(1);
    expect(app.quitCalls).toBe(2);
    finishStop();
    await vi.waitFor(() => expect(app.quitCalls).toBe(3));
    expect(shutdown).toHaveBeenCalledTimes(1);
  });
});

describe('tray', () => {
  const actions = { start: vi.fn(), stop: vi.fn(), restart: vi.fn(), open: vi.fn(), quit: vi.fn() };
  const enabled = (state: Parameters<typeof trayMenuTemplate>[0]) =>
    Object.fromEntries(
      trayMenuTemplate(state, 42, actions)
        .filter((i) => i.label && i.click)
        .map((i) => [i.label, i.enabled !== false]),
    );

  it('offers only the actions that make sense in each state', () => {
    expect(enabled('running')).toMatchObject({ Start: false, Stop: true, Restart: true, Quit: true });
    expect(enabled('stopped')).toMatchObject({ Start: true, Stop: false, Restart: true });
    expect(enabled('crashed')).toMatchObject({ Start: true, Stop: false, Restart: true });
    expect(enabled('stopping')).toMatchObject({ Start: false, Restart: false });
    expect(trayMenuTemplate('running', 42, actions)[0]?.label).toBe('Backend: running (pid 42)');
  });

  it('picks an icon per state', () => {
    expect(trayIconName('running')).toBe('running');
    expect(trayIconName('unhealthy')).toBe('starting');
    expect(trayIconName('backoff')).toBe('starting');
    expect(trayIconName('stopped')).toBe('stopped');
    expect(trayIconName('crashed')).toBe('crashed');
  });
});

describe('preload', () => {
  it('exposes one api with invoke and on for contract events only', async () => {
    await import('../../src/preload/index');
    const api = electron.exposed.api as {
      invoke: (c: string, a: unknown[]) => Promise<unknown>;
      on: (e: string, l: (p: unknown) => void) => () => void;
    };
    expect(Object.keys(electron.exposed)).toEqual(['api']);
    await api.invoke('backend:status', []);
    expect(electron.ipcRenderer.invocations).toEqual([{ channel: 'backend:status', args: [] }]);
    const seen: unknown[] = [];
    const off = api.on('backend:state', (p) => seen.push(p));
    electron.ipcRenderer.emit('backend:state', {}, { to: 'running' });
    off();
    electron.ipcRenderer.emit('backend:state', {}, { to: 'stopped' });
    expect(seen).toEqual([{ to: 'running' }]);
    expect(() => api.on('shell:exec', () => undefined)).toThrow(/unknown event/);
  });
});

describe('session secrets (safeStorage)', () => {
  it('keeps the session encrypted on disk, never in plain text, and in memory only without OS encryption', async () => {
    const { SafeStorageSecretStore } = await import('../../src/main/app/safe-storage-secrets');
    const { mkdtempSync, readFileSync, existsSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'bsup-secrets-')), 'session.bin');
    const secrets = {
      token: 'jwt-abc',
      user: null,
      credentials: { email: 'admin@example.com', password: 'hunter2-secret' },
    };
    await new SafeStorageSecretStore(file).save(secrets);
    const raw = readFileSync(file);
    expect(raw.toString('utf8')).not.toContain('hunter2-secret');
    expect(raw.toString('utf8')).not.toContain('jwt-abc');
    expect(await new SafeStorageSecretStore(file).load()).toEqual(secrets);

    electron.safeStorage.available = false;
    const file2 = join(mkdtempSync(join(tmpdir(), 'bsup-secrets-')), 'session.bin');
    const store = new SafeStorageSecretStore(file2);
    await store.save(secrets);
    expect(existsSync(file2)).toBe(false);
    expect(await store.load()).toEqual(secrets);
    electron.safeStorage.available = true;
  });
});
