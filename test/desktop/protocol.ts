/**
 * The messages between a desktop test and the Electron stand-in (test/desktop/electron-stand-in.ts)
 * over the fork IPC channel: the test sends a {@link ControlRequest} with an `id` and gets
 * `{id, result}` or `{id, error}`; the stand-in sends `{event: 'exiting', code}` right before
 * the app exits and waits for `exit-ack`.
 */
export type ControlRequest =
  /** Everything recorded so far: a {@link StandInSnapshot}. */
  | { op: 'snapshot' }
  /** A click on the tray icon. */
  | { op: 'tray-click' }
  /** A click on the tray menu's item labelled `label` (its click handler runs). */
  | { op: 'tray-menu-click'; label: string }
  /** The user closing the window (its `close` may be prevented); answers whether it closed. */
  | { op: 'window-close' }
  /** `webContents.loadURL(url)` as the main process would (no `will-navigate`). */
  | { op: 'load-url'; url: string }
  /** What the next open dialogs answer: these paths, or canceled when empty. */
  | { op: 'set-open-dialog'; filePaths: string[] }
  /** `app.quit()`, as the app menu's Quit (cleanup after a failed test). */
  | { op: 'quit' }
  | { op: 'exit-ack' };

/** What the stand-in recorded. */
export interface StandInSnapshot {
  /** App events in order: `ready`, `second-instance`, `before-quit`, `window-all-closed`, `will-quit`, `quit`, `exit <code>`. */
  lifecycle: string[];
  secondInstances: number;
  windows: {
    id: number;
    visible: boolean;
    destroyed: boolean;
    focusCount: number;
    /** The page's `window.open` calls and what the window-open handler answered. */
    windowOpens: { url: string; action: string }[];
    /** The page's own http(s) navigations of its main frame (`will-navigate`), and whether they were prevented. */
    navigations: { url: string; prevented: boolean }[];
  }[];
  tray: {
    /** Icon file names shown, in order, repeats collapsed (`stopped.png`, `starting.png`…). */
    images: string[];
    tooltip: string;
    menu: { label: string; enabled: boolean }[];
  }[];
  notifications: { title: string; body: string; shown: boolean }[];
  /** URLs given to `shell.openExternal`. */
  opened: string[];
  openDialogs: Record<string, unknown>[];
  errorBoxes: { title: string; content: string }[];
}
