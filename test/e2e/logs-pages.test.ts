/**
 * The Logs view's pages in Chromium against `serve` (issue 13): it opens on the newest page,
 * loads older pages as the list is scrolled to its top (the line in view staying in place),
 * shows the beginning of the buffer, and holds every line once, in order, with live lines
 * arriving meanwhile; a search over lines not loaded yet offers to load them all.
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser';
import { startHeadless, type HeadlessServer, serverRpc } from '../helpers/headless-server';
import { FAULT_BACKEND, freePort, pollUntil } from '../helpers/supervise';

const FLOOD_LINES = 30_000;
const TOKEN_KEY = 'backend-supervisor.token';

/** What the page functions below read of an element (this file compiles without the DOM lib). */
interface ElementLike {
  scrollTop: number;
  getBoundingClientRect(): { top: number };
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): ArrayLike<ElementLike>;
}

interface Line {
  seq: number;
  ts: string;
  stream: string;
  text: string;
}

let server: HeadlessServer;
let browser: Browser;

const rpc = <T>(channel: string, ...args: unknown[]): Promise<T> => serverRpc<T>(server, channel, ...args);

/** Every line the server holds (`flood done` lines counted), once the floods are written. */
async function serverLines(floods: number): Promise<Line[]> {
  let lines: Line[] = [];
  await pollUntil(
    async () => {
      lines = await rpc<Line[]>('logs:tail', { limit: 100_000 });
      return lines.filter((l) => l.text === 'flood done').length === floods;
    },
    60_000,
    100,
    `${floods} floods in the ring`,
  );
  return lines;
}

const heldCount = async (page: Page): Promise<number> =>
  Number(((await page.getByTestId('log-count').textContent()) ?? '').replace(/\D/g, ''));
const startState = (page: Page): Promise<string | null> =>
  page.getByTestId('log-start').locator('[data-state]').getAttribute('data-state');

/** A fresh page on the Logs view, the token already stored. */
async function openLogs(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 }, acceptDownloads: true });
  await context.addInitScript(
    ([key, token]) =>
      (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem(
        key!,
        token!,
      ),
    [TOKEN_KEY, server.token],
  );
  const page = await context.newPage();
  await page.goto(`${server.url}/#/logs`);
  return page;
}

/** The rows in view: their `seq` and their top, px from the list's top. */
function rowsInView(page: Page): Promise<{ seq: number; top: number }[]> {
  return page.getByTestId('log-view').evaluate((element: ElementLike) => {
    const origin = element.getBoundingClientRect().top;
    return Array.from(element.querySelectorAll('[data-testid="log-line"]')).map((row) => ({
      seq: Number(row.getAttribute('data-seq')),
      top: row.getBoundingClientRect().top - origin,
    }));
  });
}

/** The saved view's lines, `<ts> <stream> <text>`. */
async function savedLines(page: Page): Promise<string[]> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('log-save').click()]);
  const lines = readFileSync(await download.path(), 'utf8').split('\n');
  expect(lines.pop()).toBe('');
  return lines;
}

const asSaved = (l: Line): string => `${l.ts} ${l.stream} ${l.text}`;

beforeAll(async () => {
  const backendPort = await freePort();
  server = await startHeadless({
    GO_BACKEND_BINARY: process.execPath,
    BACKEND_ARGS: JSON.stringify([FAULT_BACKEND]),
    GO_BACKEND_URL: `http://127.0.0.1:${backendPort}`,
    PORT: String(backendPort),
    FLOOD_LINES: String(FLOOD_LINES),
    LOG_BUFFER_LINES: '100000',
  });
  browser = await launchChromium();
  await serverLines(1);
});

afterAll(async () => {
  await browser?.close();
  expect(await server?.stop()).toBe(0);
});

describe('Logs view pages in Chromium', () => {
  it('scrolling up loads older pages in place, to the beginning of the buffer; every line once, live lines too', async () => {
    const page = await openLogs();
    const first = (await serverLines(1)).length;
    await expect.poll(() => heldCount(page), { timeout: 30_000 }).toBe(1_000);
    expect(await startState(page)).toBe('more');
    await page.getByTestId('log-follow').click();
    await expect.poll(() => page.getByTestId('log-follow').getAttribute('aria-pressed')).toBe('false');

    // Older pages wait here until the test has seen the rows before them.
    const held: Route[] = [];
    await page.route(
      (url) => decodeURIComponent(url.pathname).endsWith('/api/v1/rpc/logs:tail'),
      (route) => (route.request().postData()?.includes('"before"') ? held.push(route) : route.continue()),
    );
    const view = page.getByTestId('log-view');
    let restarted = false;
    for (let pages = 0; (await startState(page)) !== 'start'; pages++) {
      expect(pages).toBeLessThan(30);
      const count = await heldCount(page);
      // To the top of the list: the next page is asked for.
      await view.evaluate((element: ElementLike) => {
        element.scrollTop = 0;
      });
      await pollUntil(() => held.length > 0, 30_000, 25, 'an older page asked for');
      expect(await startState(page)).toBe('loading');
      await pollUntil(async () => (await rowsInView(page))[0]?.seq !== undefined, 10_000, 25, 'rows at the top');
      const before = (await rowsInView(page)).filter((r) => r.top >= 0);
      await held.shift()!.continue();
      await pollUntil(async () => (await heldCount(page)) > count, 30_000, 25, 'the older page');
      // The rows that were in view are still there, not moved by the lines put above them.
      let after: { seq: number; top: number }[] = [];
      const inPlace = async (): Promise<boolean> => {
        after = await rowsInView(page);
        return before.slice(0, 5).every((row) => {
          const same = after.find((r) => r.seq === row.seq);
          return same !== undefined && Math.abs(same.top - row.top) <= 1;
        });
      };
      await pollUntil(inPlace, 10_000, 25, 'the rows in view to stay in place').catch((err: Error) => {
        throw new Error(
          `${err.message}: before ${JSON.stringify(before.slice(0, 5))}, after ${JSON.stringify(after.slice(0, 5))}`,
        );
      });
      // Halfway up, the backend restarts: another flood arrives live, below.
      if (!restarted && pages === 3) {
        restarted = true;
        await rpc('backend:restart');
      }
    }
    expect(restarted).toBe(true);
    expect(await page.getByTestId('log-start').textContent()).toMatch(/Beginning of the buffer/);

    // Everything the server holds, once each and in order, across pages and live lines.
    const all = await serverLines(2);
    expect(all.length).toBeGreaterThan(first + FLOOD_LINES);
    await expect.poll(() => heldCount(page), { timeout: 30_000 }).toBe(all.length);
    expect(await savedLines(page)).toEqual(all.map(asSaved));
    await page.context().close();
  });

  it('a search covers the lines loaded; "Search all held lines" loads the rest and finds the old match', async () => {
    const page = await openLogs();
    await expect.poll(() => heldCount(page), { timeout: 30_000 }).toBe(1_000);
    // The first flood's line 5 is tens of thousands of lines older than the newest page.
    await page.getByTestId('log-search').fill('flood line 5 x');
    await expect.poll(() => page.getByTestId('log-search-count').textContent()).toBe('0 matches');
    await page.getByTestId('log-search-load-all').click();
    await expect.poll(() => page.getByTestId('log-search-count').textContent(), { timeout: 30_000 }).toBe('2 matches');
    expect(await startState(page)).toBe('start');
    await expect.poll(() => page.getByTestId('log-search-load-all').count()).toBe(0);
    await page.getByTestId('log-search').press('Enter');
    await expect
      .poll(() => page.locator('[data-testid="log-line"]:has(mark[data-current="true"])').first().textContent())
      .toContain('flood line 5 x');
    await page.context().close();
  });
});
