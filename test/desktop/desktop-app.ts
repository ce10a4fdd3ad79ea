/**
 * Starts the built desktop app (`out/main/index.js`, or `$BSUP_DESKTOP_OUT/main/index.js` for a
 * copy of out/) under plain Node with `electron` resolved to the stand-in, and connects to its
 * window's Chromium page over CDP so a test can drive the page while it drives the tray,
 * dialogs and window through the stand-in ({@link ControlRequest}).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort, pollUntil, tempDir } from '../helpers/supervise';
import type { ControlRequest, StandInSnapshot } from './protocol';

const ROOT = join(import.meta.dirname, '..', '..');
/** The build under test: out/, or another build's out/ (BSUP_DESKTOP_OUT, a mutated copy). */
const BUILD = process.env.BSUP_DESKTOP_OUT ?? join(ROOT, 'out');
/** What the desktop app runs of a build. */
const PARTS = ['main', 'preload', 'renderer', 'reference-backend'];

/** Files a complete build has; a build under way (it empties out/ first) lacks some. */
const KEY_FILES = ['main/index.js', 'preload/index.cjs', 'renderer/index.html', 'reference-backend/server.js'];

let copy: string | null = null;

/**
 * Copies {@link BUILD}'s parts, beside links to the checkout's node_modules and resources, so
 * that another `npm run build` on the machine meanwhile (it empties out/) cannot pull the files
 * from under a test. A copy that lacks a key file (a build was under way) is made again, for at
 * most a minute. Made once; {@link buildUnderTest} names it.
 * @throws when no complete build appears (run `npm run build`).
 */
export async function prepareBuild(): Promise<string> {
  if (copy) return join(copy, 'out');
  const deadline = Date.now() + 60_000;
  for (;;) {
    const dir = tempDir('bsup-desktop-build-');
    try {
      for (const part of PARTS) cpSync(join(BUILD, part), join(dir, 'out', part), { recursive: true });
    } catch {
      // A part missing or vanishing while copied: checked below.
    }
    if (KEY_FILES.every((file) => existsSync(join(dir, 'out', file)))) {
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
      symlinkSync(join(ROOT, 'resources'), join(dir, 'resources'));
      // "type": "module", for out/main/index.js.
      copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
      copy = dir;
      return join(dir, 'out');
    }
    rmSync(dir, { recursive: true, force: true });
    if (Date.now() > deadline)
      throw new Error(`${BUILD} lacks one of ${KEY_FILES.join(', ')}: run npm run build first`);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

/**
 * The out/ folder the apps run from (the copy {@link prepareBuild} made).
 * @throws before prepareBuild (launchDesktop calls it).
 */
export function buildUnderTest(): string {
  if (!copy) throw new Error('no build copy yet: call prepareBuild (launchDesktop does)');
  return join(copy, 'out');
}

/** Removes the copy {@link buildUnderTest} made (the next call makes a new one). */
export function removeBuildCopy(): void {
  if (copy) rmSync(copy, { recursive: true, force: true });
  copy = null;
}
const REGISTER = pathToFileURL(join(import.meta.dirname, 'register.mjs')).href;

/** The reference backend's admin, as {@link launchDesktop} sets ADMIN_EMAIL / ADMIN_PASSWORD. */
export const ADMIN = { email: 'admin@example.com', password: 'correct-horse-battery' };

/** A running desktop app process. */
export interface DesktopApp {
  process: ChildProcess;
  /** Its `userData` folder (also its data folder). */
  userData: string;
  /** The reference backend's URL. */
  backendUrl: string;
  /** The CDP connection to its Chromium (closing it leaves the browser running). */
  browser: Browser;
  /** The main window's page. */
  page: Page;
  /** Asks the stand-in; rejects with its error. */
  request<T = unknown>(request: ControlRequest): Promise<T>;
  snapshot(): Promise<StandInSnapshot>;
  /** Its stdout and stderr so far. */
  output(): string;
  /** Runs `check` when the app says it is about to exit (the app waits for it). */
  beforeExit(check: () => void | Promise<void>): void;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /**
   * Ends it if it still runs (cleanup after a failed test): `app.quit()`, which stops the
   * backend and PostgreSQL first, then SIGKILL after 30 s.
   */
  kill(): Promise<void>;
}

interface Started {
  process: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** A fresh `userData` folder that others may enter (the default stack's PostgreSQL, run as an unprivileged user when root, keeps its cluster in it). */
export function desktopUserData(): string {
  const dir = tempDir('bsup-desktop-');
  chmodSync(dir, 0o711);
  return dir;
}

function start(userData: string, env: Record<string, string>): Started {
  const main = join(buildUnderTest(), 'main', 'index.js');
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    BSUP_DESKTOP_USER_DATA: userData,
    HEALTH_CHECK_INTERVAL: '1',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    // English tray and notices (app.getLocale follows the locale variables), unless a test asks.
    LANG: 'en_US.UTF-8',
    ...env,
  };
  // Whatever the shell running the tests has set must not pick another backend, folder or language.
  const unset = [
    'SUPERVISOR_DATA_DIR',
    'DATABASE_URL',
    'ELECTRON_RENDERER_URL',
    'BACKEND_STACK_FILE',
    'LC_ALL',
    'LC_MESSAGES',
  ];
  for (const name of unset) {
    if (!(name in env)) delete childEnv[name];
  }
  const child = fork(main, [], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx', '--import', REGISTER],
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let out = '';
  const keep = (chunk: Buffer): void => {
    out += chunk.toString();
    if (out.length > 512 * 1024) out = out.slice(0, 16 * 1024) + out.slice(-256 * 1024);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, output: () => out, exited };
}

/**
 * Starts the app on a fresh free backend port and CDP port and waits (deadline 90 s) until its
 * window shows the renderer; `given` is its userData folder (default: a fresh one, see
 * {@link desktopUserData}).
 * @throws when it exits first or the window never loads (the message holds its output).
 */
export async function launchDesktop(given?: string, env: Record<string, string> = {}): Promise<DesktopApp> {
  await prepareBuild();
  const userData = given ?? desktopUserData();
  const cdpPort = await freePort();
  const backendUrl = `http://127.0.0.1:${await freePort()}`;
  const started = start(userData, { BSUP_DESKTOP_CDP_PORT: String(cdpPort), GO_BACKEND_URL: backendUrl, ...env });
  const child = started.process;
  // The window shows the built file, or the dev server's page where ELECTRON_RENDERER_URL names one.
  const rendererPrefix = env.ELECTRON_RENDERER_URL ?? 'file:';
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const checks: (() => void | Promise<void>)[] = [];
  child.on('message', (message: { id?: number; result?: unknown; error?: string; event?: string }) => {
    if (message.event === 'exiting') {
      void (async () => {
        for (const check of checks) await check();
      })().finally(() => child.send({ op: 'exit-ack' }));
      return;
    }
    const waiting = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id!);
    if (message.error !== undefined) waiting.reject(new Error(message.error));
    else waiting.resolve(message.result);
  });
  void started.exited.then(() => {
    for (const waiting of pending.values()) waiting.reject(new Error(`the app exited:\n${started.output()}`));
    pending.clear();
  });
  const request = <T>(req: ControlRequest): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (child.exitCode !== null || !child.connected) return reject(new Error('the app is not running'));
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ ...req, id });
    });

  let browser: Browser | null = null;
  let page: Page | undefined;
  try {
    await pollUntil(
      async () => {
        if (child.exitCode !== null) return true;
        browser ??= await chromium.connectOverCDP(`http://127.0.0.1:${cdpPort}`).catch(() => null);
        page = browser
          ?.contexts()[0]
          ?.pages()
          .find((p) => p.url().startsWith(rendererPrefix));
        return page !== undefined;
      },
      90_000,
      200,
      'the desktop window',
    );
  } catch (err) {
    // Quit (the backend and PostgreSQL stopped first) where it still answers, else SIGKILL.
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await request({ op: 'quit' }).catch(() => child.kill('SIGKILL'));
    await started.exited;
    clearTimeout(timer);
    throw new Error(`${(err as Error).message}\n${started.output()}`);
  }
  if (child.exitCode !== null || !browser || !page) throw new Error(`the app exited early:\n${started.output()}`);
  return {
    process: child,
    userData,
    backendUrl,
    browser,
    page,
    request,
    snapshot: () => request<StandInSnapshot>({ op: 'snapshot' }),
    output: started.output,
    beforeExit: (check) => void checks.push(check),
    exited: started.exited,
    async kill() {
      await browser?.close().catch(() => undefined);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await request({ op: 'quit' }).catch(() => child.kill('SIGKILL'));
      await started.exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Starts the app again on `userData` (a second instance), without a CDP port: it should hand
 * over to the first and exit. Resolves with its exit code and output (deadline 60 s).
 */
export async function runSecondInstance(userData: string): Promise<{ code: number | null; output: string }> {
  const started = start(userData, { GO_BACKEND_URL: `http://127.0.0.1:${await freePort()}` });
  started.process.on('message', (message: { event?: string }) => {
    if (message.event === 'exiting') started.process.send({ op: 'exit-ack' });
  });
  const timer = setTimeout(() => started.process.kill('SIGKILL'), 60_000);
  const code = await started.exited;
  clearTimeout(timer);
  return { code, output: started.output() };
}
