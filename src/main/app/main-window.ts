import { dialog, type BrowserWindow } from 'electron';
import { createMainWindow, type RendererSource } from './window';
import { visibleBounds, type DisplayArea, type WindowStateFile } from './window-state';

/** What the main window controller needs; injected so tests can drive it with the Electron mock. */
export interface MainWindowDeps {
  preloadPath: string;
  source: RendererSource;
  /** Remembers bounds and the one-time "no tray" notice. */
  stateFile: WindowStateFile;
  /** The current displays (`screen.getAllDisplays()`); asked each time the window is created. */
  displays: () => readonly DisplayArea[];
  /** Whether a tray icon exists right now (closing then hides instead of quitting). */
  hasTray: () => boolean;
  /** Quits the app (through the quit sequence that stops the backend first). */
  quit: () => void;
  /** Opens a link the main process allowed; see ExternalLinks. */
  openLink?: (url: string) => boolean;
  /**
   * Tells the user, once, that closing the window quits because there is no tray.
   * Resolves true to go on quitting. Default: a message box with Quit / Cancel.
   */
  tellNoTray?: (win: BrowserWindow) => Promise<boolean>;
  /** A failed write of the state file (logged; never fatal). */
  onError?: (err: unknown) => void;
}

/** Delay before moves and resizes are written to the state file, ms. */
const SAVE_DELAY_MS = 500;

async function defaultTellNoTray(win: BrowserWindow): Promise<boolean> {
  const { response } = await dialog.showMessageBox(win, {
    type: 'info',
    title: 'Backend Supervisor',
    message: 'Closing the window quits Backend Supervisor',
    detail:
      'There is no system tray here to keep it running in, so closing the window stops the backend and quits. ' +
      'This message is shown once.',
    buttons: ['Quit', 'Cancel'],
    defaultId: 0,
    cancelId: 1,
  });
  return response === 0;
}

/**
 * Owns the dashboard window: creates it where it was last (if that is still on a display),
 * shows and focuses it again (second instance, tray, notification click), remembers its
 * bounds, and decides what closing it means: hide to the tray where a tray exists, else
 * quit (telling the user once why). While the app quits, closing is never held.
 */
export class MainWindow {
  private win: BrowserWindow | null = null;
  private quitting = false;
  private saveTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly deps: MainWindowDeps) {}

  /** The window, if it exists. */
  get window(): BrowserWindow | null {
    return this.win && !this.win.isDestroyed() ? this.win : null;
  }

  /** The id of the window's webContents (for the IPC sender check), if it exists. */
  webContentsId(): number | undefined {
    return this.window?.webContents.id;
  }

  /** Sends an event to the renderer if the window exists. */
  send(channel: string, payload: unknown): void {
    this.window?.webContents.send(channel, payload);
  }

  /** From now on closing the window closes it (the app is quitting). */
  markQuitting(): void {
    this.quitting = true;
  }

  /** Shows the window (restored, focused), creating it if needed. */
  open(): void {
    const existing = this.window;
    if (existing) {
      if (existing.isMinimized()) existing.restore();
      existing.show();
      existing.focus();
      return;
    }
    const saved = this.deps.stateFile.get();
    const win = createMainWindow(this.deps.preloadPath, this.deps.source, {
      bounds: visibleBounds(saved.bounds, this.deps.displays()),
      openLink: this.deps.openLink,
    });
    if (saved.maximized) win.maximize();
    win.on('resize', () => this.scheduleSave());
    win.on('move', () => this.scheduleSave());
    win.on('close', (event) => this.onClose(win, event));
    win.on('closed', () => {
      if (this.win === win) this.win = null;
    });
    this.win = win;
  }

  private onClose(win: BrowserWindow, event: { preventDefault(): void }): void {
    this.saveNow(win);
    if (this.quitting) return;
    event.preventDefault();
    if (this.deps.hasTray()) {
      win.hide();
      return;
    }
    // No tray: closing the window quits (which stops the backend first). Said once.
    if (this.deps.stateFile.get().noTrayNoticeShown) {
      win.hide();
      this.deps.quit();
      return;
    }
    this.deps.stateFile.update({ noTrayNoticeShown: true }, this.deps.onError);
    void (this.deps.tellNoTray ?? defaultTellNoTray)(win).then(
      (goOn) => {
        if (!goOn) return;
        if (!win.isDestroyed()) win.hide();
        this.deps.quit();
      },
      () => this.deps.quit(),
    );
  }

  private scheduleSave(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      const win = this.window;
      if (win) this.saveNow(win);
    }, SAVE_DELAY_MS);
  }

  private saveNow(win: BrowserWindow): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    if (win.isDestroyed()) return;
    this.deps.stateFile.update({ bounds: win.getNormalBounds(), maximized: win.isMaximized() }, this.deps.onError);
  }
}
