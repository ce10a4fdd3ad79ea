/**
 * The module `electron` for the built main process run under plain Node (test/desktop/hooks.mjs
 * resolves `electron` here). It grows from the unit tests' fake (test/mocks/electron.ts), whose
 * recording pieces it reuses, and adds what the desktop needs to run end to end:
 *
 * - `BrowserWindow` is a page of Debian's Chromium (playwright-core, launched on first use with a
 *   CDP port the test connects to as well). `loadFile`/`loadURL` navigate it; `ready-to-show`,
 *   `did-finish-load`, `will-navigate` (renderer-initiated http(s) navigations of the main frame,
 *   aborted when prevented), `setWindowOpenHandler` (the page's `window.open`) and `close`/`closed`
 *   are carried between the page and the main process.
 * - The window's preload (its `webPreferences.preload`, the real built file) runs in the page
 *   before the page's scripts, with `contextBridge.exposeInMainWorld` and `ipcRenderer.invoke/on/off`
 *   carried over a page binding to `ipcMain`; an invoke's `senderFrame` is the real frame (its URL,
 *   its parent), so the main process's sender checks run on what Chromium reports.
 * - `app` runs the lifecycle (`ready`, `before-quit` → windows closed → `will-quit` → `quit` → exit),
 *   a single-instance lock across processes (a lock file and a Unix socket in `userData`) and
 *   `getPath` (`userData` from BSUP_DESKTOP_USER_DATA).
 * - `Tray`, `Menu`, `Notification`, `dialog`, `shell`, `safeStorage`, `session`, `screen` record what
 *   they were given; the test reads and drives them over the fork IPC channel ({@link ControlRequest}).
 *
 * Not modelled: the sandbox and context isolation's separate JavaScript world (the preload and
 * the page share one world here, so the page can reach the binding), Electron's file: protocol
 * (Chromium needs --allow-file-access-from-files for module scripts), the session's response
 * headers and permission handlers (recorded, never called), native menus and tray rendering,
 * hidden windows (a hidden window's page stays open), fuses, the packaged app.
 */
import { EventEmitter } from 'node:events';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Frame, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import {
  Menu,
  Notification,
  Tray as RecordingTray,
  nativeImage,
  safeStorage,
  screen,
  session,
  shell,
} from '../mocks/electron';
import type { ControlRequest, StandInSnapshot } from './protocol';

export { Menu, nativeImage, Notification, safeStorage, screen, session, shell };

const ROOT = join(import.meta.dirname, '..', '..');

/** An Electron-shaped event whose default can be prevented. */
function preventable(): { defaultPrevented: boolean; preventDefault(): void } {
  return {
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true;
    },
  };
}

type Handler = (event: unknown, ...args: unknown[]) => unknown;

/** `ipcMain`: `handle` handlers answer the page's `ipcRenderer.invoke`; `on` listeners are kept (electron-store). */
class StandInIpcMain extends EventEmitter {
  readonly handlers = new Map<string, Handler>();
  handle(channel: string, fn: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, fn);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
}
export const ipcMain = new StandInIpcMain();

/** Events of the whole stand-in, in order, for the test (`before-quit`, `window-all-closed`…). */
const lifecycle: string[] = [];

let browserPromise: Promise<Browser> | null = null;
function browser(): Promise<Browser> {
  const port = process.env.BSUP_DESKTOP_CDP_PORT;
  if (!port) throw new Error('BSUP_DESKTOP_CDP_PORT is not set');
  browserPromise ??= launchChromium(['--allow-file-access-from-files', `--remote-debugging-port=${port}`]);
  return browserPromise;
}

/** The frame as Electron's `WebFrameMain` shows it to a sender check. */
interface FrameInfo {
  url: string;
  name: string;
  parent: FrameInfo | null;
}
function frameInfo(frame: Frame): FrameInfo {
  const parent = frame.parentFrame();
  return { url: frame.url(), name: frame.name(), parent: parent ? frameInfo(parent) : null };
}

/** What the page shim sends over the binding. */
type PageMessage = { kind: 'invoke'; channel: string; args: unknown[] } | { kind: 'window-open'; url: string };

/**
 * The script run in every document of a window before its own: Electron's renderer side
 * (`contextBridge`, `ipcRenderer`, `window.open` asking the main process) and then the preload,
 * as CommonJS with `require('electron')` only, like a sandboxed preload.
 */
function pageShim(preloadSource: string): string {
  return `(() => {
  const call = (message) => window.__electronStandIn(message);
  const listeners = new Map();
  const ipcRenderer = {
    async invoke(channel, ...args) {
      const answer = await call({ kind: 'invoke', channel, args });
      if ('error' in answer) throw new Error(answer.error);
      return answer.value;
    },
    on(channel, listener) {
      if (!listeners.has(channel)) listeners.set(channel, []);
      listeners.get(channel).push(listener);
      return ipcRenderer;
    },
    off(channel, listener) {
      const list = listeners.get(channel) ?? [];
      const at = list.indexOf(listener);
      if (at >= 0) list.splice(at, 1);
      return ipcRenderer;
    },
  };
  ipcRenderer.removeListener = ipcRenderer.off;
  Object.defineProperty(window, '__electronStandInDeliver', {
    value: (channel, args) => {
      for (const listener of [...(listeners.get(channel) ?? [])]) listener({ sender: ipcRenderer }, ...args);
    },
  });
  const contextBridge = {
    exposeInMainWorld(key, api) {
      Object.defineProperty(window, key, { value: Object.freeze(api), enumerable: true });
    },
  };
  window.open = (url) => {
    void call({ kind: 'window-open', url: new URL(String(url), location.href).href });
    return null;
  };
  // A link to another browsing context (target=_blank…) asks the window-open handler too, as in Electron.
  document.addEventListener('click', (event) => {
    const link = event.target instanceof Element ? event.target.closest('a[target]') : null;
    if (!link || ['', '_self', '_top', '_parent'].includes(link.target)) return;
    event.preventDefault();
    void call({ kind: 'window-open', url: link.href });
  }, true);
  const module = { exports: {} };
  const require = (name) => {
    if (name === 'electron') return { contextBridge, ipcRenderer };
    throw new Error('a sandboxed preload cannot require ' + name);
  };
  (function (require, module, exports) {
${preloadSource}
  })(require, module, module.exports);
})();`;
}

type WindowOpenHandler = (details: { url: string; frameName: string; features: string; disposition: string }) => {
  action: string;
};

/** A window's `webContents`: its page, the IPC it carries and its events. */
class StandInWebContents extends EventEmitter {
  private static nextId = 1;
  readonly id = StandInWebContents.nextId++;
  windowOpenHandler: WindowOpenHandler | null = null;
  readonly windowOpens: { url: string; action: string }[] = [];
  /** The page's own navigations (`will-navigate`) and whether the main process prevented them. */
  readonly navigations: { url: string; prevented: boolean }[] = [];
  /** The URL the main process itself loads (loadURL/loadFile: no `will-navigate`). */
  private ownNavigation: string | null = null;
  private delivery: Promise<unknown> = Promise.resolve();
  /** Settles once the page is set up (loads wait for it). */
  private readonly attached: Promise<void>;
  destroyed = false;
  /** The main frame's URL ('' before the first load). */
  private url = '';

  constructor(
    readonly page: Promise<Page>,
    preloadPath: string | undefined,
    private readonly onLoad: () => void,
  ) {
    super();
    this.attached = page.then((p) => this.attach(p, preloadPath));
  }

  /** Sets the page up: the binding, the preload, navigation checks. */
  private async attach(page: Page, preloadPath: string | undefined): Promise<void> {
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) this.url = frame.url();
    });
    await page.exposeBinding('__electronStandIn', ({ frame }, message: PageMessage) => this.fromPage(frame, message));
    if (preloadPath) await page.addInitScript({ content: pageShim(readFileSync(preloadPath, 'utf8')) });
    await page.route(/^https?:/, async (route) => {
      const request = route.request();
      const url = request.url();
      if (!request.isNavigationRequest() || request.frame() !== page.mainFrame() || url === this.ownNavigation) {
        return route.continue();
      }
      const event = preventable();
      this.emit('will-navigate', event, url);
      this.navigations.push({ url, prevented: event.defaultPrevented });
      return event.defaultPrevented ? route.abort('aborted') : route.continue();
    });
  }

  private async fromPage(frame: Frame, message: PageMessage): Promise<unknown> {
    if (message.kind === 'window-open') {
      const result = this.windowOpenHandler?.({
        url: message.url,
        frameName: '',
        features: '',
        disposition: 'new-window',
      });
      this.windowOpens.push({ url: message.url, action: result?.action ?? 'allow' });
      return null;
    }
    const handler = ipcMain.handlers.get(message.channel);
    if (!handler) return { error: `Error invoking remote method '${message.channel}': No handler registered` };
    const event = { sender: this, senderFrame: frameInfo(frame), frameId: 1, processId: 1 };
    try {
      return { value: await handler(event, ...message.args) };
    } catch (err) {
      return { error: `Error invoking remote method '${message.channel}': ${String(err)}` };
    }
  }

  setWindowOpenHandler(handler: WindowOpenHandler): void {
    this.windowOpenHandler = handler;
  }

  /** Delivers an event to the page's `ipcRenderer` listeners, in the order sent. */
  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) return;
    this.delivery = this.delivery
      .then(() => this.page)
      .then((page) =>
        page.evaluate(
          ([c, a]) => {
            const deliver = (globalThis as { __electronStandInDeliver?: (c: string, a: unknown[]) => void })
              .__electronStandInDeliver;
            deliver?.(c, a);
          },
          [channel, args] as const,
        ),
      )
      // A page between documents or closed drops the event, as Electron does.
      .catch(() => undefined);
  }

  async loadURL(url: string): Promise<void> {
    await this.attached;
    const page = await this.page;
    // As Chromium will request it (`http://host:port` is asked for as `http://host:port/`).
    this.ownNavigation = new URL(url).href;
    try {
      await page.goto(url);
    } finally {
      this.ownNavigation = null;
    }
    this.emit('did-finish-load');
    this.onLoad();
  }

  loadFile(file: string): Promise<void> {
    return this.loadURL(pathToFileURL(file).href);
  }

  getURL(): string {
    return this.url;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }
}

type Rect = { x: number; y: number; width: number; height: number };

/** A window: one Chromium page with its state recorded (shown, focused, minimised, bounds). */
export class BrowserWindow extends EventEmitter {
  static readonly instances: BrowserWindow[] = [];
  static getAllWindows(): BrowserWindow[] {
    return BrowserWindow.instances.filter((w) => !w.destroyed);
  }

  readonly webContents: StandInWebContents;
  visible = false;
  minimized = false;
  maximized = false;
  destroyed = false;
  focusCount = 0;
  private shownOnce = false;
  bounds: Rect;

  constructor(readonly options: Record<string, unknown> & { webPreferences?: { preload?: string } }) {
    super();
    const { width = 800, height = 600, x = 0, y = 0 } = options as Partial<Rect>;
    this.bounds = { x, y, width, height };
    const page = browser().then(async (b) => {
      const context = b.contexts()[0] ?? (await b.newContext());
      const created = await context.newPage();
      await created.setViewportSize({ width: this.bounds.width, height: this.bounds.height });
      return created;
    });
    this.webContents = new StandInWebContents(page, options.webPreferences?.preload, () => {
      if (this.shownOnce || this.destroyed) return;
      this.shownOnce = true;
      this.emit('ready-to-show');
    });
    BrowserWindow.instances.push(this);
    app.emit('web-contents-created', preventable(), this.webContents);
  }

  loadURL(url: string): Promise<void> {
    return this.webContents.loadURL(url);
  }
  loadFile(file: string): Promise<void> {
    return this.webContents.loadFile(file);
  }
  show(): void {
    this.visible = true;
    void this.webContents.page.then((p) => p.bringToFront()).catch(() => undefined);
  }
  focus(): void {
    this.focusCount++;
    void this.webContents.page.then((p) => p.bringToFront()).catch(() => undefined);
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
  getBounds(): Rect {
    return { ...this.bounds };
  }
  getNormalBounds(): Rect {
    return { ...this.bounds };
  }
  setBounds(bounds: Rect): void {
    this.bounds = { ...bounds };
    this.emit('move');
  }
  /** As the user closing it: `close` (may be prevented), else destroyed. */
  close(): boolean {
    if (this.destroyed) return true;
    const event = preventable();
    this.emit('close', event);
    if (event.defaultPrevented) return false;
    this.destroy();
    return true;
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.visible = false;
    this.webContents.destroyed = true;
    void this.webContents.page.then((p) => p.close()).catch(() => undefined);
    this.emit('closed');
    if (BrowserWindow.getAllWindows().length === 0) {
      lifecycle.push('window-all-closed');
      // Electron quits when nothing listens for window-all-closed.
      if (app.listenerCount('window-all-closed') === 0) app.quit();
      else app.emit('window-all-closed');
    }
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

/** The tray: the fake's recording icon, with every icon it showed kept in order. */
export class Tray extends RecordingTray {
  static readonly instances: Tray[] = [];
  readonly images: string[] = [];
  destroyed = false;
  constructor(image: unknown) {
    super(image);
    this.images.push(imageName(image));
    Tray.instances.push(this);
  }
  override setImage(image: unknown): void {
    super.setImage(image);
    const name = imageName(image);
    if (this.images.at(-1) !== name) this.images.push(name);
  }
  destroy(): void {
    this.destroyed = true;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}
function imageName(image: unknown): string {
  return basename((image as { path?: string }).path ?? String(image));
}

/** Dialogs: recorded; the open dialog answers what the test scripted (canceled by default). */
export const dialog = {
  errorBoxes: [] as { title: string; content: string }[],
  messageBoxes: [] as Record<string, unknown>[],
  openDialogs: [] as Record<string, unknown>[],
  messageBoxResponse: 0,
  openDialogAnswer: { canceled: true, filePaths: [] as string[] },
  showErrorBox(title: string, content: string): void {
    this.errorBoxes.push({ title, content });
  },
  showMessageBox(...args: unknown[]): Promise<{ response: number; checkboxChecked: boolean }> {
    this.messageBoxes.push(args.at(-1) as Record<string, unknown>);
    return Promise.resolve({ response: this.messageBoxResponse, checkboxChecked: false });
  },
  showOpenDialog(...args: unknown[]): Promise<{ canceled: boolean; filePaths: string[] }> {
    this.openDialogs.push(args.at(-1) as Record<string, unknown>);
    return Promise.resolve({ ...this.openDialogAnswer, filePaths: [...this.openDialogAnswer.filePaths] });
  },
};

/** `app`: the lifecycle, the single-instance lock, paths. */
class StandInApp extends EventEmitter {
  isPackaged = false;
  name = 'backend-supervisor';
  private ready = false;
  private readonly readyPromise: Promise<void>;
  private lockServer: Server | null = null;
  private lockFile: string | null = null;
  /** The message to the first instance, sent before this one exits. */
  private secondInstanceNotice: Promise<void> = Promise.resolve();
  private exiting = false;
  readonly loginItemSettings: Record<string, unknown>[] = [];
  secondInstances = 0;

  constructor() {
    super();
    // `ready` comes after the main script has run, as in Electron.
    this.readyPromise = new Promise((resolve) =>
      setTimeout(() => {
        this.ready = true;
        lifecycle.push('ready');
        this.emit('ready', preventable(), {});
        resolve();
      }, 0),
    );
  }
  whenReady(): Promise<void> {
    return this.readyPromise;
  }
  isReady(): boolean {
    return this.ready;
  }
  /** The OS's locale as Chromium reads it (LC_ALL, LC_MESSAGES or LANG on Linux), `en-US` without one. */
  getLocale(): string {
    const tag = process.env.LC_ALL || process.env.LC_MESSAGES || process.env.LANG || '';
    const match = /^([a-z]{2,3})(?:_([A-Z]{2}))?/.exec(tag);
    return match ? (match[2] ? `${match[1]}-${match[2]}` : match[1]!) : 'en-US';
  }
  getName(): string {
    return this.name;
  }
  getVersion(): string {
    return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  }
  getPath(name: string): string {
    const userData = process.env.BSUP_DESKTOP_USER_DATA;
    if (!userData) throw new Error('BSUP_DESKTOP_USER_DATA is not set');
    if (name === 'userData' || name === 'appData' || name === 'sessionData') return userData;
    if (name === 'logs') return join(userData, 'logs');
    if (name === 'temp') return process.env.TMPDIR ?? '/tmp';
    if (name === 'home') return process.env.HOME ?? '/root';
    if (name === 'exe') return process.execPath;
    throw new Error(`getPath(${name}) is not modelled`);
  }
  setLoginItemSettings(settings: Record<string, unknown>): void {
    this.loginItemSettings.push(settings);
  }
  getLoginItemSettings(): Record<string, unknown> {
    return { openAtLogin: false, ...this.loginItemSettings.at(-1) };
  }

  /**
   * Holds `userData`'s lock (a file naming this pid, and a socket a second instance writes to).
   * A second instance gets false and tells the first (`second-instance`) before it exits.
   */
  requestSingleInstanceLock(additionalData: unknown = {}): boolean {
    const dir = this.getPath('userData');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'StandInSingletonLock');
    const socket = join(dir, 'StandInSingletonSocket');
    for (;;) {
      try {
        const fd = openSync(file, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const pid = Number(readFileSync(file, 'utf8'));
        if (pid > 0 && pidAlive(pid)) {
          this.secondInstanceNotice = new Promise((resolve) => {
            const out = connect(socket, () =>
              out.end(JSON.stringify({ argv: process.argv, cwd: process.cwd(), additionalData })),
            );
            out.on('close', () => resolve());
            out.on('error', () => resolve());
          });
          return false;
        }
        rmSync(file, { force: true });
      }
    }
    this.lockFile = file;
    rmSync(socket, { force: true });
    this.lockServer = createServer((conn) => {
      let text = '';
      conn.on('data', (chunk: Buffer) => (text += chunk.toString()));
      conn.on('end', () => {
        const {
          argv,
          cwd,
          additionalData: data,
        } = JSON.parse(text) as { argv: string[]; cwd: string; additionalData: unknown };
        this.secondInstances++;
        lifecycle.push('second-instance');
        this.emit('second-instance', preventable(), argv, cwd, data);
      });
    });
    this.lockServer.listen(socket);
    this.lockServer.unref();
    return true;
  }

  /** `before-quit` (preventable), the windows closed (a prevented close cancels), `will-quit`, `quit`, exit 0. */
  quit(): void {
    if (this.exiting) return;
    lifecycle.push('before-quit');
    const event = preventable();
    this.emit('before-quit', event);
    if (event.defaultPrevented) return;
    for (const win of BrowserWindow.getAllWindows()) {
      if (!win.close()) return;
    }
    lifecycle.push('will-quit');
    const willQuit = preventable();
    this.emit('will-quit', willQuit);
    if (willQuit.defaultPrevented) return;
    lifecycle.push('quit');
    this.emit('quit', preventable(), 0);
    void this.finish(0);
  }

  /** Exits at once, without the quit events. */
  exit(code = 0): void {
    if (this.exiting) return;
    lifecycle.push(`exit ${code}`);
    void this.finish(code);
  }

  focus(): void {}

  /** Tells the test it is about to exit (and waits for its answer), closes Chromium, exits. */
  private async finish(code: number): Promise<void> {
    this.exiting = true;
    await this.secondInstanceNotice;
    this.lockServer?.close();
    if (this.lockFile) rmSync(this.lockFile, { force: true });
    await tellExiting(code);
    if (browserPromise) await browserPromise.then((b) => b.close()).catch(() => undefined);
    // Electron's app.exit ends the process whatever still holds its loop; so does this one.
    // eslint-disable-next-line no-restricted-syntax
    process.exit(code);
  }
}
export const app = new StandInApp();

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Sends `exiting` to the test and waits (at most 30 s) for it to acknowledge. */
function tellExiting(code: number): Promise<void> {
  if (!process.send) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 30_000);
    const onMessage = (message: ControlRequest): void => {
      if (message.op !== 'exit-ack') return;
      clearTimeout(timer);
      process.off('message', onMessage);
      resolve();
    };
    process.on('message', onMessage);
    process.send!({ event: 'exiting', code });
  });
}

/** What the stand-in recorded so far. */
function snapshot(): StandInSnapshot {
  return {
    lifecycle: [...lifecycle],
    secondInstances: app.secondInstances,
    windows: BrowserWindow.instances.map((w) => ({
      id: w.webContents.id,
      visible: w.visible,
      destroyed: w.destroyed,
      focusCount: w.focusCount,
      windowOpens: [...w.webContents.windowOpens],
      navigations: [...w.webContents.navigations],
    })),
    tray: Tray.instances.map((t) => ({
      images: [...t.images],
      tooltip: t.tooltip,
      menu: ((t.menu as { template?: { label?: string; enabled?: boolean; type?: string }[] })?.template ?? [])
        .filter((item) => item.type !== 'separator')
        .map((item) => ({ label: item.label ?? '', enabled: item.enabled !== false })),
    })),
    notifications: Notification.instances.map((n) => ({
      title: n.options.title ?? '',
      body: n.options.body ?? '',
      shown: n.shown,
    })),
    opened: [...shell.opened],
    openDialogs: [...dialog.openDialogs],
    errorBoxes: [...dialog.errorBoxes],
  };
}

/** Carries out one request of the test. */
async function control(request: ControlRequest): Promise<unknown> {
  const win = BrowserWindow.getAllWindows()[0];
  const tray = Tray.instances.at(-1);
  switch (request.op) {
    case 'snapshot':
      return snapshot();
    case 'tray-click':
      if (!tray) throw new Error('no tray');
      tray.emit('click', preventable(), {});
      return null;
    case 'tray-menu-click': {
      const items = (tray?.menu as { template?: { label?: string; click?: (...a: unknown[]) => void }[] })?.template;
      const item = items?.find((i) => i.label === request.label);
      if (!item?.click) throw new Error(`no tray menu item ${request.label}`);
      item.click(item, undefined, {});
      return null;
    }
    case 'window-close':
      if (!win) throw new Error('no window');
      return win.close();
    case 'load-url':
      if (!win) throw new Error('no window');
      await win.webContents.loadURL(request.url);
      return null;
    case 'set-open-dialog':
      dialog.openDialogAnswer = { canceled: request.filePaths.length === 0, filePaths: request.filePaths };
      return null;
    case 'quit':
      app.quit();
      return null;
    case 'exit-ack':
      return null;
  }
}

if (process.send) {
  process.on('message', (request: ControlRequest & { id?: number }) => {
    if (request.id === undefined) return;
    control(request).then(
      (result) => process.send?.({ id: request.id, result }),
      (err: Error) => process.send?.({ id: request.id, error: err.message }),
    );
  });
}

export const contextBridge = {
  exposeInMainWorld(): void {
    throw new Error('contextBridge runs in the page (the preload), not in the main process');
  },
};
export const ipcRenderer = {};

export default {
  app,
  BrowserWindow,
  contextBridge,
  dialog,
  ipcMain,
  ipcRenderer,
  Menu,
  nativeImage,
  Notification,
  safeStorage,
  screen,
  session,
  shell,
  Tray,
};
