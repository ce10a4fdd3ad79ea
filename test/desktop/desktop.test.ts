/**
 * The desktop app end to end: the built main process (test/desktop/desktop-app.ts), its window
 * in Chromium over IPC, the real supervisor on the default stack (embedded PostgreSQL and the
 * reference backend). One app for the whole file, in order; the last test quits it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_NAMES } from '../../src/shared/event-names';
import { createTranslator } from '../../src/shared/locales/translate';
import { privateBuild } from '../helpers/cli-build';
import { pidAlive } from '../helpers/supervise';
import {
  ADMIN,
  buildUnderTest,
  launchDesktop,
  removeBuildCopy,
  runSecondInstance,
  type DesktopApp,
} from './desktop-app';
import type { StandInSnapshot } from './protocol';

let app: DesktopApp;
/** The app started again on the same data folder, last. */
let again: DesktopApp | undefined;
let page: Page;
/** The built command-line client (a private copy) and the folders made for it. */
let cliBin: string;
const cliDirs: string[] = [];
/** A page of another origin, and the paths it was asked for. */
let foreign: Server;
let foreignUrl: string;
const foreignRequests: string[] = [];

beforeAll(async () => {
  foreign = createServer((req, res) => {
    foreignRequests.push(req.url ?? '');
    res.setHeader('content-type', 'text/html');
    res.end('<!doctype html><title>elsewhere</title><p>another origin</p>');
  });
  await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
  const address = foreign.address();
  foreignUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  cliBin = await privateBuild('bsup-desktop-cli-', cliDirs);
  // The control server on a port the system picks: only <data>/control-url tells the client.
  app = await launchDesktop(undefined, { DESKTOP_CONTROL_SERVER: 'true', CONTROL_PORT: '0' });
  page = app.page;
});

afterAll(async () => {
  await again?.kill();
  await app?.kill();
  if (app) rmSync(app.userData, { recursive: true, force: true });
  await new Promise((resolve) => foreign?.close(resolve));
  removeBuildCopy();
  for (const dir of cliDirs) rmSync(dir, { recursive: true, force: true });
});

const snapshot = (): Promise<StandInSnapshot> => app.snapshot();
const tray = async (): Promise<StandInSnapshot['tray'][number]> => {
  const [only] = (await snapshot()).tray;
  if (!only) throw new Error('no tray');
  return only;
};
const text = (testId: string): Promise<string | null> => page.getByTestId(testId).textContent();
/** The stack tray menu's command labels in `language`. */
const wordsIn = (language: 'en' | 'ru'): string[] => {
  const t = createTranslator(language);
  return ['tray.startAll', 'tray.stopAll', 'tray.restartAll', 'tray.open', 'tray.quit'].map((key) => t(key));
};
/** The pid a tray menu line shows for `service` (`postgres: running (pid 42)`), or null. */
async function trayPid(service: string): Promise<number | null> {
  const line = (await tray()).menu.find((item) => item.label.startsWith(`${service}: `));
  const match = line && /\(pid (\d+)\)/.exec(line.label);
  return match ? Number(match[1]) : null;
}
/** The preload's bridge as the page sees it. */
type Bridge = {
  api: { invoke(c: string, a: unknown[]): Promise<unknown>; on(e: string, l: (p: unknown) => void): unknown };
};
/** The backend's status, asked by the page over IPC. */
async function statusOverIpc(): Promise<{ ok: boolean; data?: { status: string; pid: number | null } }> {
  return page.evaluate(() => {
    const api = (globalThis as unknown as Partial<Bridge>).api;
    if (!api) throw new Error('no window.api');
    return api.invoke('backend:status', [{}]) as Promise<{
      ok: boolean;
      data?: { status: string; pid: number | null };
    }>;
  });
}

describe('the desktop app, its window over IPC, the default stack', () => {
  it('opens on the Status page showing running over IPC, without the token dialog', async () => {
    await expect.poll(() => text('state-badge'), { timeout: 60_000 }).toBe('running');
    expect(await page.getByTestId('connection-state').getAttribute('data-state')).toBe('ipc');
    expect(await page.getByTestId('token-input').count()).toBe(0);
    expect(page.url()).toBe(pathToFileURL(join(buildUnderTest(), 'renderer', 'index.html')).href);
    const [win] = (await snapshot()).windows;
    expect(win).toMatchObject({ visible: true, destroyed: false });
    expect(await statusOverIpc()).toMatchObject({ ok: true, data: { status: 'running' } });
  });

  it("writes <data>/control-url, where the command-line client finds the app's control server", async () => {
    const file = join(app.userData, 'control-url');
    await expect.poll(() => existsSync(file), { timeout: 30_000 }).toBe(true);
    const url = readFileSync(file, 'utf8');
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\n$/);
    expect(url).not.toMatch(/:0\n$/);
    expect(statSync(file).mode & 0o777).toBe(0o644);
    // Nothing else points the client anywhere: the data folder's control-url and control-token.
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (v !== undefined && !/^(CONTROL_|BACKEND_SUPERVISOR_|SUPERVISOR_DATA_DIR$)/.test(k)) env[k] = v;
    }
    const run = spawnSync(process.execPath, [cliBin, 'status', '--json', '--data-dir', app.userData], {
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const services = JSON.parse(run.stdout) as { name: string; status: string }[];
    expect(services.map((s) => s.name).sort()).toEqual(['backend', 'postgres']);
    expect(services.find((s) => s.name === 'backend')?.status).toBe('running');
  });

  it("the page's language switch relabels the tray menu and tooltip, and the app remembers it", async () => {
    const labels = async (): Promise<string[]> => (await tray()).menu.map((item) => item.label);
    expect(await labels()).toEqual(expect.arrayContaining(wordsIn('en')));
    const file = join(app.userData, 'ui-language');
    expect(existsSync(file)).toBe(false);

    try {
      await page.getByTestId('language-switch').selectOption('ru');
      await expect.poll(labels, { timeout: 10_000 }).toEqual(expect.arrayContaining(wordsIn('ru')));
      expect(await labels()).not.toEqual(expect.arrayContaining(['Quit']));
      expect((await tray()).tooltip).toBe(createTranslator('ru')('tray.tooltip.stack', { running: 2, total: 2 }));
      expect(readFileSync(file, 'utf8')).toBe('ru\n');
    } finally {
      // Back to English whatever happened: the tests below read and click the English words.
      await page.getByTestId('language-switch').selectOption('en');
    }
    await expect.poll(labels, { timeout: 10_000 }).toEqual(expect.arrayContaining(wordsIn('en')));
    expect(readFileSync(file, 'utf8')).toBe('en\n');
  });

  it('Restart on the page raises the restart count and changes the pid', async () => {
    expect(await text('restart-count')).toBe('0');
    const pid = await text('pid');
    await page.getByTestId('btn-restart').click();
    await expect.poll(() => text('restart-count'), { timeout: 30_000 }).toBe('1');
    await expect.poll(() => text('state-badge'), { timeout: 30_000 }).toBe('running');
    expect(await text('pid')).not.toBe(pid);
  });

  it("the tray menu's Restart all restarts both services, each counted; the page follows", async () => {
    const before = { backend: await trayPid('backend'), postgres: await trayPid('postgres') };
    expect(before.backend).toBe(Number(await text('pid')));
    expect(await text('restart-count')).toBe('1');
    await expect.poll(async () => (await tray()).menu.find((i) => i.label === 'Restart all')?.enabled).toBe(true);
    await app.request({ op: 'tray-menu-click', label: 'Restart all' });
    await expect
      .poll(async () => [await trayPid('postgres'), await trayPid('backend')], { timeout: 60_000 })
      .toEqual([expect.not.toBeOneOf([before.postgres, null]), expect.not.toBeOneOf([before.backend, null])]);
    await expect.poll(() => text('state-badge'), { timeout: 60_000 }).toBe('running');
    await expect.poll(async () => Number(await text('pid')), { timeout: 30_000 }).toBe(await trayPid('backend'));
    await expect.poll(() => text('restart-count'), { timeout: 30_000 }).toBe('2');
  });

  it('the tray icon follows the states: Stop all shows stopped, Start all starting then running', async () => {
    await expect.poll(async () => (await tray()).images.at(-1), { timeout: 30_000 }).toBe('running.png');
    const before = (await tray()).images.length;
    await app.request({ op: 'tray-menu-click', label: 'Stop all' });
    await expect.poll(async () => (await tray()).images.at(-1), { timeout: 60_000 }).toBe('stopped.png');
    await expect.poll(() => text('state-badge'), { timeout: 30_000 }).toBe('stopped');
    expect((await tray()).tooltip).toBe('Backend Supervisor: 0 of 2 services running');

    await app.request({ op: 'tray-menu-click', label: 'Start all' });
    await expect.poll(async () => (await tray()).images.at(-1), { timeout: 60_000 }).toBe('running.png');
    const shown = (await tray()).images.slice(before);
    expect(shown).toEqual(expect.arrayContaining(['stopped.png', 'starting.png', 'running.png']));
    // Stopping shows the amber icon too: running → starting (stopping) → stopped → starting → running.
    expect(shown.lastIndexOf('starting.png')).toBeGreaterThan(shown.indexOf('stopped.png'));
    await expect.poll(() => text('state-badge'), { timeout: 30_000 }).toBe('running');
  });

  it('a crash shows a desktop notification and a live incident on the Incidents page', async () => {
    const pid = Number(await text('pid'));
    expect(pid).toBeGreaterThan(0);
    await page.getByTestId('nav-incidents').click();
    await page.getByTestId('incidents-page').waitFor();
    const incidents = page.getByTestId('incident');
    const before = await incidents.count();
    const notices = (await snapshot()).notifications.length;
    // Every live event of the contract, as the page's window.api delivers it.
    await page.evaluate((names) => {
      const api = (globalThis as unknown as Bridge).api;
      const got: Record<string, number> = {};
      (globalThis as unknown as { eventsSeen: Record<string, number> }).eventsSeen = got;
      for (const name of names) api.on(name, () => (got[name] = (got[name] ?? 0) + 1));
    }, EVENT_NAMES);

    process.kill(pid, 'SIGKILL');
    // No reload, no poll (IPC turns polling off): only the backend:incident event brings it.
    await expect.poll(() => incidents.count(), { timeout: 30_000 }).toBe(before + 1);
    await expect
      .poll(
        () => page.evaluate(() => Object.keys((globalThis as unknown as { eventsSeen: object }).eventsSeen).sort()),
        {
          timeout: 30_000,
        },
      )
      .toEqual([...EVENT_NAMES].sort());
    expect(await incidents.first().getByTestId('incident-kind').textContent()).toMatch(/crash/i);
    await expect
      .poll(async () => (await snapshot()).notifications.slice(notices), { timeout: 10_000 })
      .toEqual([expect.objectContaining({ title: 'Backend crashed', shown: true })]);

    await page.getByTestId('nav-status').click();
    await expect.poll(() => text('state-badge'), { timeout: 60_000 }).toBe('running');
  });

  it('the admin views log in and list orders over IPC', async () => {
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('login-email').fill(ADMIN.email);
    await page.getByTestId('login-password').fill(ADMIN.password);
    await page.getByTestId('login-submit').click();
    await expect.poll(() => text('admin-user'), { timeout: 20_000 }).toContain(ADMIN.email);
    await page.getByTestId('admin-tab-orders').click();
    const rows = page.locator('[data-testid^="order-row-"]');
    await rows.first().waitFor({ timeout: 20_000 });
    expect(await rows.count()).toBeGreaterThan(0);
  });

  it("the Settings page's Browse… puts in the path the open dialog gives", async () => {
    const chosen = '/opt/site/bin/server';
    await app.request({ op: 'set-open-dialog', filePaths: [chosen] });
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('settings-browse-command').click();
    await expect.poll(() => page.getByTestId('settings-field-command').inputValue(), { timeout: 10_000 }).toBe(chosen);
    expect((await snapshot()).openDialogs.at(-1)).toMatchObject({ title: 'Backend executable' });
    await page.getByTestId('nav-status').click();
  });

  it('navigation and new windows are denied; only links the main process made open outside', async () => {
    type Win = { location: { href: string }; open(url: string): unknown };
    await page.evaluate((url) => {
      (globalThis as unknown as Win).location.href = `${url}/navigated`;
    }, foreignUrl);
    await expect
      .poll(async () => (await snapshot()).windows[0]?.navigations, { timeout: 10_000 })
      .toEqual([{ url: `${foreignUrl}/navigated`, prevented: true }]);
    await page.evaluate(
      ([backend, other]) => {
        (globalThis as unknown as Win).open(backend);
        (globalThis as unknown as Win).open(`${other}/popup`);
      },
      [app.backendUrl, foreignUrl] as const,
    );
    await expect.poll(async () => (await snapshot()).windows[0]?.windowOpens.length, { timeout: 10_000 }).toBe(2);
    const { windows, opened } = await snapshot();
    expect(windows[0]?.windowOpens).toEqual([
      { url: `${app.backendUrl}/`, action: 'deny' },
      { url: `${foreignUrl}/popup`, action: 'deny' },
    ]);
    // The backend's URL is a link the main process made: opened in the browser. The other is not.
    expect(opened).toEqual([`${app.backendUrl}/`]);
    expect(page.url()).toMatch(/^file:/);
    expect(foreignRequests).toEqual([]);
    expect(await statusOverIpc()).toMatchObject({ ok: true });
  });

  it('a page from another origin in the window gets FORBIDDEN over IPC', async () => {
    const renderer = pathToFileURL(join(buildUnderTest(), 'renderer', 'index.html')).href;
    try {
      await app.request({ op: 'load-url', url: `${foreignUrl}/elsewhere` });
      // This connection sees the navigation a moment after the stand-in's.
      await expect.poll(() => page.url(), { timeout: 10_000 }).toBe(`${foreignUrl}/elsewhere`);
      expect(await statusOverIpc()).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    } finally {
      await app.request({ op: 'load-url', url: renderer });
    }
    await expect.poll(() => page.url(), { timeout: 10_000 }).toBe(renderer);
    await expect.poll(() => text('state-badge'), { timeout: 30_000 }).toBe('running');
  });

  it('closing the window hides it and the backend keeps running; the tray opens it again', async () => {
    const pid = Number(await text('pid'));
    expect(await app.request({ op: 'window-close' })).toBe(false);
    expect((await snapshot()).windows[0]).toMatchObject({ visible: false, destroyed: false });
    expect(pidAlive(pid)).toBe(true);
    expect((await fetch(`${app.backendUrl}/health`)).ok).toBe(true);
    expect(await trayPid('backend')).toBe(pid);

    await app.request({ op: 'tray-menu-click', label: 'Open dashboard' });
    expect((await snapshot()).windows[0]).toMatchObject({ visible: true, destroyed: false });
    await app.request({ op: 'window-close' });
    expect((await snapshot()).windows[0]).toMatchObject({ visible: false });
    await app.request({ op: 'tray-click' });
    expect((await snapshot()).windows[0]).toMatchObject({ visible: true, destroyed: false });
  });

  it('a second instance brings the first forward and exits', async () => {
    await app.request({ op: 'window-close' });
    const { focusCount } = (await snapshot()).windows[0]!;
    const second = await runSecondInstance(app.userData);
    expect(second.code, second.output).toBe(0);
    await expect.poll(async () => (await snapshot()).secondInstances, { timeout: 10_000 }).toBe(1);
    const [win] = (await snapshot()).windows;
    expect(win).toMatchObject({ visible: true, destroyed: false });
    expect(win!.focusCount).toBe(focusCount + 1);
    expect((await snapshot()).windows).toHaveLength(1);
  });

  it('Quit in the tray stops the backend and PostgreSQL before the app exits, leaving no process', async () => {
    const backendPid = await trayPid('backend');
    const postgresPid = await trayPid('postgres');
    expect(backendPid).toBeGreaterThan(0);
    expect(postgresPid).toBeGreaterThan(0);
    let aliveAtExit: boolean[] | null = null;
    app.beforeExit(() => {
      aliveAtExit = [pidAlive(backendPid!), pidAlive(postgresPid!)];
    });
    await app.request({ op: 'tray-menu-click', label: 'Quit' });
    expect(await app.exited).toBe(0);
    expect(aliveAtExit).toEqual([false, false]);
    expect(processesUsing(app.userData)).toEqual([]);
    expect(existsSync(join(app.userData, 'control-url'))).toBe(false);
  });

  it("started again on the same data folder, the tray speaks the language picked last, not the OS's", async () => {
    // As the switch wrote it (checked above); the OS says English (LANG).
    writeFileSync(join(app.userData, 'ui-language'), 'ru\n');
    again = await launchDesktop(app.userData);
    const started = again;
    await expect
      .poll(async () => (await started.snapshot()).tray[0]?.menu.map((item) => item.label), { timeout: 30_000 })
      .toEqual(expect.arrayContaining(wordsIn('ru')));
    // Quit once the stack is up, as a person would: both running, said in Russian.
    const up = createTranslator('ru')('tray.tooltip.stack', { running: 2, total: 2 });
    await expect.poll(async () => (await started.snapshot()).tray[0]?.tooltip, { timeout: 60_000 }).toBe(up);
    // And the window loaded: the stand-in's own load of it, cut short by the exit, would fail the exit.
    await started.page.waitForLoadState('load');
    await started.kill();
    expect(await started.exited, started.output()).toBe(0);
  });
});

/** Processes whose command line names `folder` (a PostgreSQL left on its cluster, a backend). */
function processesUsing(folder: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(folder)) found.push(`${pid} ${cmdline}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}
