/**
 * The Electron entry: builds the same objects as the headless entry and wires them to a
 * window, the tray and IPC. Only this file and src/main/app/ import `electron`.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog } from 'electron';
import type { EventName } from '../shared/contract';
import { loadConfig } from './core/config';
import { bundledBackendDefaults, createRuntime } from './core/runtime';
import { mainFrameOf, registerIpc } from './app/ipc';
import { holdQuitUntilStopped } from './app/quit';
import { SafeStorageSecretStore } from './app/safe-storage-secrets';
import { createTray } from './app/tray';
import { createMainWindow, type RendererSource } from './app/window';

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
  let config;
  try {
    config = loadConfig(process.env, bundledBackendDefaults(OUT_DIR), { dataDir: app.getPath('userData') });
  } catch (err) {
    dialog.showErrorBox('Backend Supervisor: configuration error', (err as Error).message);
    app.quit();
    return;
  }
  const runtime = createRuntime(config, new SafeStorageSecretStore(join(config.dataDir, 'backend-session.bin')));
  const { supervisor, logs } = runtime;
  let win: BrowserWindow | null = null;
  const { source, allowedPrefix } = rendererSource();

  registerIpc(
    runtime.handlers,
    mainFrameOf(() => win?.webContents.id, allowedPrefix),
  );
  const forward = (event: EventName, payload: unknown): void => {
    if (win && !win.isDestroyed()) win.webContents.send(event, payload);
  };
  supervisor.on('state', (e) => forward('backend:state', e));
  logs.on('line', (l) => forward('backend:log', l));
  supervisor.on('incident', (i) => forward('backend:incident', i));

  const openWindow = (): void => {
    if (win && !win.isDestroyed()) {
      win.show();
      win.focus();
      return;
    }
    win = createMainWindow(join(OUT_DIR, 'preload', 'index.cjs'), source);
    win.on('closed', () => (win = null));
  };

  holdQuitUntilStopped(app, () => runtime.shutdown('app-quit'));
  app.on('second-instance', openWindow);

  let hasTray = false;
  void app.whenReady().then(() => {
    openWindow();
    hasTray =
      createTray(RESOURCES_DIR, supervisor, {
        start: () => void supervisor.start('tray'),
        stop: () => void supervisor.stop('tray'),
        restart: () => void supervisor.restart('tray'),
        open: openWindow,
        quit: () => app.quit(),
      }) !== null;
    void supervisor.start('app-start');
  });
  // With a tray, closing the window leaves the app (and the backend) running; without one,
  // closing the window quits, which stops the backend first.
  app.on('window-all-closed', () => {
    if (!hasTray) app.quit();
  });
}

main();
