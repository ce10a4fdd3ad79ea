/**
 * The one Electron fake (the runtime cannot run on these machines). Only what the shell
 * touches; each piece records what it was given so wiring tests can assert on it.
 * Use: `vi.mock('electron', () => import('../mocks/electron'))`.
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
  show(): void {}
  focus(): void {}
  isDestroyed(): boolean {
    return false;
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
export const dialog = { showErrorBox: (): void => undefined };

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
};
