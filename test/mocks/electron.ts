/**
 * The one Electron fake (the runtime cannot run on these machines). Only what the shell
 * touches; each piece records what it was given so wiring tests can assert on it.
 * Use: `vi.mock('electron', () => import('../mocks/electron'))`. The desktop tests' stand-in,
 * which runs the built app (test/desktop/electron-stand-in.ts), reuses its recording pieces.
 */
import { EventEmitter } from 'node:events';

type Handler = (event: unknown, ...args: unknown[]) => unknown;

class FakeIpcMain {
  readonly handlers = new Map<string, Handler>();
  handle(channel: string, fn: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, fn);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
}
export const ipcMain = new FakeIpcMain();

class FakeWebContents extends EventEmitter {
  static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  readonly sent: { channel: string; payload: unknown }[] = [];
  setWindowOpenHandler(fn: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = fn;
  }
  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload });
  }
}

export class BrowserWindow extends EventEmitter {
  static instances: BrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  loaded: string | null = null;
  constructor(readonly options: Record<string, unknown>) {
    super();
    BrowserWindow.instances.push(this);
  }
  loadURL(url: string): Promise<void> {
    this.loaded = url;
    return Promise.resolve();
  }
  loadFile(file: string): Promise<void> {
    this.loaded = file;
    return Promise.resolve();
  }
  // Window state, recorded for the shell's wiring tests.
  visible = false;
  minimized = false;
  maximized = false;
  destroyed = false;
  focusCount = 0;
  bounds = { x: 0, y: 0, width: 1100, height: 760 };
  show(): void {
    this.visible = true;
  }
  focus(): void {
    this.focusCount++;
  }
  hide(): void {
    this.visible = false;
  }
  isVisible(): boolean {
    return this.visible;
  }
  minimize(): void {
    this.minimized = true;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  restore(): void {
    this.minimized = false;
  }
  maximize(): void {
    this.maximized = true;
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  getNormalBounds(): { x: number; y: number; width: number; height: number } {
    return { ...this.bounds };
  }
  setBounds(bounds: { x: number; y: number; width: number; height: number }): void {
    this.bounds = { ...bounds };
    this.emit('move');
  }
  /** Like the user closing the window: `close` (may be prevented), then `closed` and destroyed. */
  close(): boolean {
    const event = {
      defaultPrevented: false,
      preventDefault() {
        this.defaultPrevented = true;
      },
    };
    this.emit('close', event);
    if (event.defaultPrevented) return false;
    this.destroyed = true;
    this.visible = false;
    this.emit('closed');
    return true;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

export const shell = {
  opened: [] as string[],
  openExternal(url: string) {
    this.opened.push(url);
    return Promise.resolve();
  },
};

class FakeApp extends EventEmitter {
  isPackaged = false;
  quitCalls = 0;
  quit(): void {
    this.quitCalls++;
    const event = {
      defaultPrevented: false,
      preventDefault() {
        this.defaultPrevented = true;
      },
    };
    this.emit('before-quit', event);
  }
  requestSingleInstanceLock(): boolean {
    return true;
  }
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  getPath(): string {
    return '/tmp/backend-supervisor-fake-user-data';
  }
  readonly loginItemSettings: Record<string, unknown>[] = [];
  setLoginItemSettings(settings: Record<string, unknown>): void {
    this.loginItemSettings.push(settings);
  }
}
export const app = new FakeApp();

export const nativeImage = { createFromPath: (path: string) => ({ path }) };
export class Tray extends EventEmitter {
  image: unknown;
  tooltip = '';
  menu: unknown;
  constructor(image: unknown) {
    super();
    this.image = image;
  }
  setImage(image: unknown): void {
    this.image = image;
  }
  setToolTip(text: string): void {
    this.tooltip = text;
  }
  setContextMenu(menu: unknown): void {
    this.menu = menu;
  }
}
export const Menu = { buildFromTemplate: (template: unknown[]) => ({ template }) };
/** A stand-in for safeStorage: reversible "encryption" that is visibly not plain text. */
export const safeStorage = {
  available: true,
  isEncryptionAvailable(): boolean {
    return this.available;
  },
  encryptString(text: string): Buffer {
    return Buffer.from(Buffer.from(text, 'utf8').map((b) => b ^ 0x5a));
  },
  decryptString(data: Buffer): string {
    return Buffer.from(data.map((b) => b ^ 0x5a)).toString('utf8');
  },
};
export const dialog = {
  showErrorBox: (): void => undefined,
  /** Message boxes shown, and the button index the next ones answer with. */
  messageBoxes: [] as Record<string, unknown>[],
  messageBoxResponse: 0,
  showMessageBox(_win: unknown, options: Record<string, unknown>): Promise<{ response: number }> {
    this.messageBoxes.push(options);
    return Promise.resolve({ response: this.messageBoxResponse });
  },
};

type Rect = { x: number; y: number; width: number; height: number };
/** The displays `screen.getAllDisplays()` reports; tests replace them. */
export const screen = {
  displays: [
    { id: 1, bounds: { x: 0, y: 0, width: 1920, height: 1080 }, workArea: { x: 0, y: 0, width: 1920, height: 1050 } },
  ] as {
    id: number;
    bounds: Rect;
    workArea: Rect;
  }[],
  getAllDisplays() {
    return this.displays;
  },
};

/** Desktop notifications: every one created is kept in `instances`. */
export class Notification extends EventEmitter {
  static supported = true;
  static instances: Notification[] = [];
  static isSupported(): boolean {
    return Notification.supported;
  }
  shown = false;
  constructor(readonly options: { title?: string; body?: string }) {
    super();
    Notification.instances.push(this);
  }
  show(): void {
    this.shown = true;
  }
}

type HeadersListener = (
  details: { url: string; responseHeaders?: Record<string, string[] | string> },
  callback: (response: { responseHeaders?: Record<string, string[] | string> }) => void,
) => void;
type PermissionRequestHandler = (contents: unknown, permission: string, callback: (granted: boolean) => void) => void;
type PermissionCheckHandler = (contents: unknown, permission: string) => boolean;
/** The default session: records the hooks the shell installs. */
export const session = {
  defaultSession: {
    headersListener: null as HeadersListener | null,
    permissionRequestHandler: null as PermissionRequestHandler | null,
    permissionCheckHandler: null as PermissionCheckHandler | null,
    webRequest: {
      onHeadersReceived(listener: HeadersListener): void {
        session.defaultSession.headersListener = listener;
      },
    },
    setPermissionRequestHandler(handler: PermissionRequestHandler): void {
      this.permissionRequestHandler = handler;
    },
    setPermissionCheckHandler(handler: PermissionCheckHandler): void {
      this.permissionCheckHandler = handler;
    },
  },
};

export const exposed: Record<string, unknown> = {};
export const contextBridge = {
  exposeInMainWorld(key: string, value: unknown): void {
    exposed[key] = value;
  },
};
class FakeIpcRenderer extends EventEmitter {
  readonly invocations: { channel: string; args: unknown }[] = [];
  invoke(channel: string, args: unknown): Promise<unknown> {
    this.invocations.push({ channel, args });
    return Promise.resolve({ ok: true, data: null });
  }
}
export const ipcRenderer = new FakeIpcRenderer();

export default {
  ipcMain,
  BrowserWindow,
  shell,
  app,
  nativeImage,
  Tray,
  Menu,
  dialog,
  contextBridge,
  ipcRenderer,
  safeStorage,
  screen,
  Notification,
  session,
};
