/**
 * The Logs view's pages in Chromium against `serve` with a small ring (LOG_BUFFER_LINES
 * 5,000) and floods of 20,000 lines: the ring drops lines before the view opens and while
 * it pages (between its first page and the next), and the view says how many it no longer
 * holds above its first line, never "Beginning of the buffer".
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser';
import { startHeadless, type HeadlessServer, serverRpc } from '../helpers/headless-server';
import { FAULT_BACKEND, freePort, pollUntil } from '../helpers/supervise';

const TOKEN_KEY = 'backend-supervisor.token';

/** What the page functions below read of an element (this file compiles without the DOM lib). */
interface ElementLike {
  scrollTop: number;
}

interface Line {
  seq: number;
  text: string;
}

let server: HeadlessServer;
let browser: Browser;

const rpc = <T>(channel: string, ...args: unknown[]): Promise<T> => serverRpc<T>(server, channel, ...args);

/** The lines the ring holds once the first flood is written (it ends with `flood done`). */
async function untilFlooded(): Promise<Line[]> {
  let lines: Line[] = [];
  await pollUntil(
    async () => {
      lines = await rpc<Line[]>('logs:tail', {});
      return lines.some((l) => l.text === 'flood done');
    },
    60_000,
    100,
    'the flood in the ring',
  );
  return lines;
}

const heldCount = async (page: Page): Promise<number> =>
  Number(((await page.getByTestId('log-count').textContent()) ?? '').replace(/\D/g, ''));
const startState = (page: Page): Promise<string | null> =>
  page.getByTestId('log-start').locator('[data-state]').getAttribute('data-state');

async function openLogs(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
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

beforeAll(async () => {
  const backendPort = await freePort();
  server = await startHeadless({
    GO_BACKEND_BINARY: process.execPath,
    BACKEND_ARGS: JSON.stringify([FAULT_BACKEND]),
    GO_BACKEND_URL: `http://127.0.0.1:${backendPort}`,
    PORT: String(backendPort),
    FLOOD_LINES: '20000',
    LOG_BUFFER_LINES: '5000',
  });
  browser = await launchChromium();
  await untilFlooded();
});

afterAll(async () => {
  await browser?.close();
  expect(await server?.stop()).toBe(0);
});

describe('Logs view pages over a ring that drops lines', () => {
  it('Load all reaches the oldest line held and counts the lines dropped before it', async () => {
    const page = await openLogs();
    await expect.poll(() => heldCount(page), { timeout: 30_000 }).toBe(1_000);
    await page.getByTestId('log-follow').click();
    await page.getByTestId('log-load-all').click();
    await expect.poll(() => startState(page), { timeout: 30_000 }).toBe('dropped');
    // The view's first line is the oldest the ring holds; every line before it was dropped.
    const held = await rpc<Line[]>('logs:tail', {});
    expect(await heldCount(page)).toBe(held.length);
    const first = held[0]!.seq;
    expect(first).toBeGreaterThan(15_000);
    expect(await page.getByTestId('log-start').textContent()).toBe(
      `${first.toLocaleString('en-US')} older lines were dropped from memory (the log file keeps them)`,
    );
    await page.context().close();
  });

  it('lines dropped between the first page and the next: the next page finds none, and the view says they were dropped', async () => {
    const page = await openLogs();
    await expect.poll(() => heldCount(page), { timeout: 30_000 }).toBe(1_000);
    await page.getByTestId('log-follow').click();
    // The view's first line (no line came since the flood).
    const first = (await rpc<Line[]>('logs:tail', { limit: 1_000 }))[0]!.seq;
    // A restart floods 20,000 more lines: the ring now starts far past the view's first line.
    await rpc('backend:restart');
    await pollUntil(
      async () => ((await rpc<Line[]>('logs:tail', {}))[0]?.seq ?? 0) > first + 1_000,
      60_000,
      100,
      'the second flood',
    );
    await page.getByTestId('log-view').evaluate((element: ElementLike) => {
      element.scrollTop = 0;
    });
    await expect.poll(() => startState(page), { timeout: 30_000 }).toBe('dropped');
    expect(await heldCount(page)).toBeGreaterThan(1_000);
    expect(await page.getByTestId('log-start').textContent()).toMatch(
      new RegExp(`^${first.toLocaleString('en-US')} older lines were dropped`),
    );
    await page.context().close();
  });
});
