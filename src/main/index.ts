/**
 * The Electron entry: builds the same objects as the headless entry and wires them to a
 * window, the tray and IPC. Only this file and src/main/app/ import `electron`.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, dialog, screen, session, shell, type Tray } from 'electron';
import { createRuntime } from './core/runtime';
import { subscribeLiveEvents } from './core/live-events';
import { lockDataDir, type DataDirLock } from './core/data-dir-lock';
import { ensureWritableFolder } from './core/writable-folder';
import { CONTROL_URL_FILE, removeControlUrl, writeControlUrl } from './cli/control-url-file';
import { loadDesktopConfig } from './app/electron-settings-store';
import { desktopBackendDefaults } from './app/backend-defaults';
import { ControlServerLifecycle } from './app/control-server-lifecycle';
import { startDesktopControlServer } from './app/desktop-control-server';
import { readDesktopFlags } from './app/desktop-flags';
import { ExternalLinks } from './app/external-links';
import { mainFrameOf, registerIpc } from './app/ipc';
import { applyStartAtLogin } from './app/login-item';
import { MainWindow } from './app/main-window';
import { desktopNotifier, notifyOnFailures } from './app/notifications';
import { pickLanguage } from '../shared/locales/languages';
import { holdQuitUntilStopped } from './app/quit';
import { SafeStorageSecretStore } from './app/safe-storage-secrets';
import { denyUnexpectedContents, hardenSession } from './app/session-security';
import { createTray } from './app/tray';
import { UI_LANGUAGE_FILE, UiLanguage } from './app/ui-language';
import type { RendererSource } from './app/window';
import { WindowStateFile } from './app/window-state';
import type { ConfigDefaults } from './core/config';
import type { StackDefinition } from './core/stack/service-definition';
import { loadStack } from './core/stack/stack-location';
import { reloadSource } from './core/stack/stack-reload-source';

/** out/ (this file is built to out/main/index.js). */
const OUT_DIR = resolve(import.meta.dirname, '..');
const RESOURCES_DIR = app.isPackaged ? process.resourcesPath : resolve(OUT_DIR, '..', 'resources');

function rendererSource(): { source: RendererSource; allowedPrefix: string } {
  const devUrl = process.env.ELECTRON_RENDERER_URL;
  if (!app.isPackaged && devUrl) return { source: { url: devUrl }, allowedPrefix: devUrl };
  const file = join(OUT_DIR, 'renderer', 'index.html');
  return { source: { file }, allowedPrefix: pathToFileURL(file).toString() };
}

function main(): void {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  let loaded;
  let flags;
  let defaults;
  try {
    flags = readDesktopFlags(process.env);
    defaults = desktopBackendDefaults({
      isPackaged: app.isPackaged,
      resourcesPath: process.resourcesPath,
      outDir: OUT_DIR,
    });
    // environment > settings file (<dataDir>/settings.json, electron-store) > defaults
    loaded = loadDesktopConfig(process.env, defaults, app.getPath('userData'));
    ensureWritableFolder(loaded.config.dataDir, 'data folder');
  } catch (err) {
    dialog.showErrorBox('Backend Supervisor: configuration error', (err as Error).message);
    app.quit();
    return;
  }
  // One supervisor per data folder (a headless `serve` on the same SUPERVISOR_DATA_DIR too),
  // locked before anything is written to it; the lock dies with the process.
  lockDataDir(loaded.config.dataDir).then(
    (lock) => void run(loaded, flags, defaults, lock),
    (err: Error) => {
      console.error(`backend-supervisor: ${err.message}`);
      // After `ready`: on Linux an error box before it only reaches stderr.
      void app.whenReady().then(() => {
        dialog.showErrorBox('Backend Supervisor: data folder in use', err.message);
        app.exit(2);
      });
    },
  );
}

/** Builds the runtime, the window, the tray and IPC once the data folder is locked. */
async function run(
  loaded: ReturnType<typeof loadDesktopConfig>,
  flags: ReturnType<typeof readDesktopFlags>,
  defaults: ConfigDefaults,
  lock: DataDirLock,
): Promise<void> {
  const { config, settings, settingsError } = loaded;
  if (settingsError) {
    // After `ready`: on Linux an error box before it only reaches stderr.
    void app.whenReady().then(() => dialog.showErrorBox('Backend Supervisor: settings file error', settingsError));
  }
  let stack: StackDefinition;
  try {
    stack = await loadStack(config, process.env, undefined, defaults);
  } catch (err) {
    void app.whenReady().then(() => {
      dialog.showErrorBox('Backend Supervisor: stack file error', (err as Error).message);
      app.exit(2);
    });
    void lock.release();
    return;
  }
  const runtime = createRuntime(
    config,
    new SafeStorageSecretStore(join(config.dataDir, 'backend-session.bin')),
    settings,
    async (title) => {
      const options = { title: title ?? 'Backend executable', properties: ['openFile' as const] };
      const result = await dialog.showOpenDialog(options);
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
    stack,
    // The Settings page's Save + Apply (`config:reload` over IPC) reads them as this start did.
    reloadSource({ settings, env: process.env, defaults }),
  );
  const { logs } = runtime;
  const { source, allowedPrefix } = rendererSource();
  const log = (text: string): void => void logs.append('supervisor', text);
  // The renderer may open only links the main process made (shell.openExternal otherwise refused).
  const links = new ExternalLinks((url) => shell.openExternal(url), [config.backendUrl]);
  let tray: Tray | null = null;
  const mainWindow = new MainWindow({
    preloadPath: join(OUT_DIR, 'preload', 'index.cjs'),
    source,
    stateFile: new WindowStateFile(join(app.getPath('userData'), 'window-state.json')),
    displays: () => screen.getAllDisplays(),
    hasTray: () => tray !== null,
    quit: () => app.quit(),
    openLink: (url) => links.open(url),
    onError: (err) => log(`cannot save the window state: ${(err as Error).message}`),
  });

  // The tray and the notifications speak the language the dashboard's switch picked last, else the OS's.
  const uiLanguage = new UiLanguage(config.dataDir, () => pickLanguage([app.getLocale()]));
  registerIpc(
    {
      ...runtime.handlers,
      // Over IPC only: the window's switch relabels the tray (HTTP callers get NOT_AVAILABLE).
      'ui:setLanguage': async (_actor, language) => {
        try {
          uiLanguage.set(language);
        } catch (err) {
          log(`cannot remember the language in ${UI_LANGUAGE_FILE}: ${(err as Error).message}`);
        }
        return null;
      },
    },
    mainFrameOf(() => mainWindow.webContentsId(), allowedPrefix),
  );
  subscribeLiveEvents(runtime, (event, payload) => mainWindow.send(event, payload));

  const controlServer = new ControlServerLifecycle({
    start: () => startDesktopControlServer(runtime, config, join(OUT_DIR, 'renderer')),
    publish: (server) => {
      links.allow(server.url);
      log(`control server: dashboard ${server.url}; token ${server.tokenPath ?? 'from CONTROL_TOKEN'}`);
      // Where the command-line client finds this server, as serve writes it (no trailing slash).
      writeControlUrl(config.dataDir, server.url.replace(/\/$/, ''));
    },
    unpublish: () => removeControlUrl(config.dataDir),
    log,
  });
  controlServer.clearStale();
  holdQuitUntilStopped(app, async () => {
    controlServer.quitBegan();
    await runtime.shutdown('app-quit');
    // Before the lock goes: once another supervisor holds it, the file is that one's.
    try {
      await controlServer.stop();
    } catch (err) {
      // The logs are closed by now.
      console.error(`backend-supervisor: cannot remove ${CONTROL_URL_FILE}: ${(err as Error).message}`);
    }
    await lock.release();
  });
  app.on('before-quit', () => mainWindow.markQuitting());
  app.on('second-instance', () => mainWindow.open());
  app.on('activate', () => mainWindow.open());
  denyUnexpectedContents(app);

  void app.whenReady().then(async () => {
    hardenSession(session.defaultSession);
    mainWindow.open();
    if (flags.tray) {
      tray = createTray(
        RESOURCES_DIR,
        runtime.stack,
        {
          // The whole stack (one service without a stack file); failures show in the states.
          start: () => void runtime.stack.start('tray').catch(() => undefined),
          stop: () => void runtime.stack.stop('tray').catch(() => undefined),
          restart: () => void runtime.stack.restart('tray').catch(() => undefined),
          open: () => mainWindow.open(),
          quit: () => app.quit(),
        },
        uiLanguage.translate,
        uiLanguage,
      );
    }
    notifyOnFailures(runtime.stack, {
      notify: desktopNotifier(() => mainWindow.open()),
      translate: uiLanguage.translate,
    });
    if (flags.startAtLogin !== undefined) {
      try {
        const where = applyStartAtLogin(flags.startAtLogin, {
          app,
          platform: process.platform,
          env: process.env,
          execPath: process.execPath,
        });
        log(`start at login ${flags.startAtLogin ? 'on' : 'off'} (${where})`);
      } catch (err) {
        log(`cannot change start at login: ${(err as Error).message}`);
      }
    }
    void runtime.stack.start('app-start').catch(() => undefined);
    if (flags.controlServer) await controlServer.start();
  });
  // With a tray, closing the window hides it and the backend keeps running; without one,
  // closing the window quits, which stops the backend first (MainWindow tells the user once).
  app.on('window-all-closed', () => {
    if (!tray) app.quit();
  });
}

main();
