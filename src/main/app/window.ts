import { BrowserWindow, type Rectangle } from 'electron';

/** Where the renderer is loaded from: the dev server in development, else the built file. */
export type RendererSource = { url: string } | { file: string };

/** Options of {@link createMainWindow}. */
export interface MainWindowOptions {
  /** Remembered position and size (already checked to be on a visible display). */
  bounds?: Rectangle;
  /**
   * Opens a link in the user's browser if the main process allowed it (see ExternalLinks);
   * returns whether it did. Default: nothing is ever opened.
   */
  openLink?: (url: string) => boolean;
}

/**
 * Creates the dashboard window. The renderer gets no Node, runs sandboxed in an isolated
 * context, and reaches the main process only through the preload's `window.api`
 * (reliability.md 24). The webPreferences are written out here, literally, so a static
 * scanner (electronegativity) sees them. Navigation away from the app and new windows are
 * denied; a link the main process allowed opens in the user's browser instead.
 */
export function createMainWindow(
  preloadPath: string,
  source: RendererSource,
  options: MainWindowOptions = {},
): BrowserWindow {
  const openLink = options.openLink ?? (() => false);
  const win = new BrowserWindow({
    width: 1100,
    height: 760,
    ...options.bounds,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Backend Supervisor',
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  win.webContents.on('will-navigate', (event, url) => {
    event.preventDefault();
    openLink(url);
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    openLink(url);
    return { action: 'deny' };
  });
  if ('url' in source) void win.loadURL(source.url);
  else void win.loadFile(source.file);
  return win;
}
