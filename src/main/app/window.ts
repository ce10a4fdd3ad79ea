import { BrowserWindow, shell, type BrowserWindowConstructorOptions } from 'electron';

/**
 * webPreferences of the dashboard window: the renderer gets no Node, runs sandboxed in
 * an isolated context, and reaches the main process only through the preload's
 * `window.api` (reliability.md 24).
 */
export function secureWebPreferences(
  preloadPath: string,
): NonNullable<BrowserWindowConstructorOptions['webPreferences']> {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  };
}

/** Where the renderer is loaded from: the dev server in development, else the built file. */
export type RendererSource = { url: string } | { file: string };

/**
 * Creates the dashboard window. Navigation away from the app and new windows are denied;
 * only http(s) links open, in the user's browser.
 */
export function createMainWindow(preloadPath: string, source: RendererSource): BrowserWindow {
  const win = new BrowserWindow({
    width: 1100,
    height: 760,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Backend Supervisor',
    autoHideMenuBar: true,
    webPreferences: secureWebPreferences(preloadPath),
  });
  win.once('ready-to-show', () => win.show());
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  if ('url' in source) void win.loadURL(source.url);
  else void win.loadFile(source.file);
  return win;
}
