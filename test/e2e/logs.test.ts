import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/shared/incident';
import type { BackendStatus } from '../../src/shared/status';
import { startHeadless, type HeadlessServer, serverRpc } from '../helpers/headless-server';
import { FAULT_BACKEND, freePort } from '../helpers/supervise';

const FLOOD_LINES = 20_000;
const LAST_FLOOD_LINE = `flood line ${FLOOD_LINES - 1} `;

/** What the page functions below read of an element (this file compiles without the DOM lib). */
interface ElementLike {
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): ArrayLike<ElementLike>;
}

let server: HeadlessServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

/** Calls the control API's RPC route as the dashboard does. */
const rpc = <T>(channel: string, ...args: unknown[]): Promise<T> => serverRpc<T>(server, channel, ...args);

/** The list's scroll position and the rows rendered (only those in view exist). */
function listState(): Promise<{
  top: number;
  fromEnd: number;
  rows: { seq: number; stream: string; level: string; text: string }[];
}> {
  return page.getByTestId('log-view').evaluate((element: ElementLike) => ({
    top: element.scrollTop,
    fromEnd: element.scrollHeight - element.scrollTop - element.clientHeight,
    rows: Array.from(element.querySelectorAll('[data-testid="log-line"]')).map((row) => ({
      seq: Number(row.getAttribute('data-seq')),
      stream: row.getAttribute('data-stream') ?? '',
      level: row.getAttribute('data-level') ?? '',
      text: row.textContent ?? '',
    })),
  }));
}

const following = (): Promise<string | null> => page.getByTestId('log-follow').getAttribute('aria-pressed');
const searchCount = (): Promise<string | null> => page.getByTestId('log-search-count').textContent();
const currentMatchRow = (): Promise<string | null> =>
  page.locator('[data-testid="log-line"]:has(mark[data-current="true"])').first().textContent({ timeout: 1_000 });
/** The "N new" of the Jump to newest button (0 when it shows none). */
async function newCount(): Promise<number> {
  const text = (await page.getByTestId('log-jump-newest').textContent({ timeout: 1_000 })) ?? '';
  return Number(/\(([\d,]+) new\)/.exec(text)?.[1]?.replace(/,/g, '') ?? 0);
}

beforeAll(async () => {
  const backendPort = await freePort();
  // The fault backend prints FLOOD_LINES numbered lines on every start, then "flood done" on stderr.
  server = await startHeadless({
    GO_BACKEND_BINARY: process.execPath,
    BACKEND_ARGS: JSON.stringify([FAULT_BACKEND]),
    GO_BACKEND_URL: `http://127.0.0.1:${backendPort}`,
    PORT: String(backendPort),
    FLOOD_LINES: String(FLOOD_LINES),
    LOG_BUFFER_LINES: '100000',
  });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1200, height: 800 }, acceptDownloads: true });
  page = await context.newPage();
});

afterAll(async () => {
  await browser?.close();
  const code = await server?.stop();
  expect(code).toBe(0);
});

describe('Logs view in Chromium against `serve` with a flood of lines', () => {
  it('shows the flood in a virtualized list and finds its last line', async () => {
    await page.goto(server.url);
    await page.getByTestId('token-input').fill(server.token);
    await page.getByTestId('token-submit').click();
    await page.getByTestId('nav-logs').click();

    // Typed in capitals: the search ignores case.
    await page.getByTestId('log-search').fill(LAST_FLOOD_LINE.toUpperCase());
    await expect.poll(searchCount, { timeout: 60_000 }).toBe('1 match');
    const state = await listState();
    expect(state.rows.length).toBeGreaterThan(10);
    expect(state.rows.length).toBeLessThan(200); // virtualized: thousands of lines, only the rows in view
    const held = Number(((await page.getByTestId('log-count').textContent()) ?? '').replace(/\D/g, ''));
    expect(held).toBeGreaterThanOrEqual(1_000); // the newest page; older ones load on scrolling up

    await page.getByTestId('log-search').press('Enter');
    await expect.poll(currentMatchRow).toContain(LAST_FLOOD_LINE.trim());
    const mark = page.locator('mark[data-current="true"]');
    expect(await mark.textContent()).toBe(LAST_FLOOD_LINE);
    expect(await following()).toBe('false');

    await page.getByTestId('log-search').fill('flood done');
    await expect.poll(searchCount, { timeout: 30_000 }).toBe('1 match');
    await page.getByTestId('log-search').fill('');
    await page.getByTestId('log-follow').click();
    await expect.poll(following).toBe('true');
  });

  it('counts and highlights every match, and steps through them with Enter / Shift+Enter', async () => {
    // A fresh page loads the 1,000-line tail: flood lines 19,0xx..19,999 and "flood done"
    // (stdout and stderr are read apart, so "flood done" may come before the last lines).
    await page.reload();
    const search = page.getByTestId('log-search');
    await search.fill('flood line 1999');
    // 19990..19999 (line 1999 is older than the tail).
    await expect.poll(searchCount).toBe('10 matches');
    const marks = await page.locator('[data-testid="log-line"] mark').allTextContents();
    expect(marks.length).toBeGreaterThan(0);
    for (const text of marks) expect(text.toLowerCase()).toBe('flood line 1999');

    await search.press('Enter');
    await expect.poll(currentMatchRow).toContain('flood line 19990 ');
    await search.press('Enter');
    await expect.poll(currentMatchRow).toContain('flood line 19991 ');
    expect(await page.getByTestId('log-search-position').textContent()).toContain('2');
    await search.press('Shift+Enter');
    await expect.poll(currentMatchRow).toContain('flood line 19990 ');
    await search.press('Shift+Enter');
    await expect.poll(currentMatchRow).toContain('flood line 19999 ');
    await search.fill('');
    await expect.poll(() => page.locator('mark').count()).toBe(0);
  });

  it('the stream filter hides stdout lines; the level filter keeps errors', async () => {
    await page.getByTestId('log-follow').click();
    await expect.poll(following).toBe('true');
    await page.getByTestId('log-filter-stdout').click();
    await expect
      .poll(async () => {
        const rows = (await listState()).rows;
        return rows.length > 0 && rows.every((r) => r.stream !== 'stdout');
      })
      .toBe(true);
    expect((await listState()).rows.some((r) => r.text.includes('flood done'))).toBe(true);
    expect(await page.getByTestId('log-count').textContent()).toMatch(/ of /);
    await page.getByTestId('log-filter-stdout').click();
    await expect.poll(async () => (await listState()).rows.some((r) => r.stream === 'stdout')).toBe(true);

    await page.getByTestId('log-level').selectOption('error');
    await expect
      .poll(async () => {
        const rows = (await listState()).rows;
        return rows.length > 0 && rows.every((r) => r.level === 'error');
      })
      .toBe(true);
    expect((await listState()).rows.some((r) => r.text.includes('flood done'))).toBe(true);
    await page.getByTestId('log-level').selectOption('all');
    await expect.poll(async () => (await listState()).rows.some((r) => r.stream === 'stdout')).toBe(true);
  });

  it('Pause stops auto-scroll; new lines are counted; Jump to newest follows again; scrolling up pauses', async () => {
    await expect.poll(async () => (await listState()).fromEnd).toBeLessThan(5);
    await page.getByTestId('log-follow').click();
    await expect.poll(following).toBe('false');
    const before = await listState();
    const firstSeq = before.rows[0]!.seq;

    // A restart: supervisor lines and another flood of FLOOD_LINES lines arrive live.
    await rpc('backend:restart');
    await expect.poll(newCount, { timeout: 60_000 }).toBeGreaterThan(FLOOD_LINES);
    const after = await listState();
    expect(after.top).toBe(before.top);
    expect(after.rows[0]!.seq).toBe(firstSeq);
    expect(after.fromEnd).toBeGreaterThan(FLOOD_LINES * 10); // the new lines are below, out of view

    await page.getByTestId('log-jump-newest').click();
    await expect.poll(following).toBe('true');
    await expect.poll(async () => (await listState()).fromEnd, { timeout: 10_000 }).toBeLessThan(5);
    await expect.poll(() => page.getByTestId('log-jump-newest').count()).toBe(0);

    // The user's own scrolling up pauses following.
    const box = (await page.getByTestId('log-view').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -600);
    await expect.poll(following).toBe('false');
    await expect.poll(async () => (await listState()).fromEnd).toBeGreaterThan(100);
    // …and scrolling back to the end follows again.
    await page.mouse.wheel(0, 5_000);
    await expect.poll(following).toBe('true');
  });

  it('Save view downloads the lines shown as `<ts> <stream> <text>`', async () => {
    await page.getByTestId('log-filter-supervisor').click();
    await expect.poll(() => page.getByTestId('log-count').textContent()).toMatch(/ of /);
    const shown = Number(
      (((await page.getByTestId('log-count').textContent()) ?? '').split(' of ')[0] ?? '').replace(/\D/g, ''),
    );
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('log-save').click()]);
    expect(download.suggestedFilename()).toMatch(/^logs-\d{4}-\d\d-\d\dT[\d-]+\.\d{3}Z\.log$/);
    const text = readFileSync(await download.path(), 'utf8');
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    // New lines may have come between reading the count and the click.
    expect(lines.length).toBeGreaterThanOrEqual(shown);
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\S+Z (stdout|stderr) /);
    expect(lines.some((line) => / stderr flood done$/.test(line))).toBe(true);
    await page.getByTestId('log-filter-supervisor').click();
    await expect.poll(() => page.getByTestId('log-count').textContent()).not.toMatch(/ of /);
  });

  it('"Show in logs" on an incident opens the Logs page at its time, paused, the line marked', async () => {
    const { pid } = await rpc<BackendStatus>('backend:status');
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, 'SIGKILL'); // an unexpected exit: a crash incident
    await expect.poll(async () => (await rpc<Incident[]>('incidents:list')).length, { timeout: 30_000 }).toBe(1);
    const [incident] = await rpc<Incident[]>('incidents:list');

    await page.getByTestId('nav-incidents').click();
    await page.getByTestId('incident-show-logs').first().click();
    await expect.poll(() => page.url()).toContain('#/logs/?at=');
    const target = page.locator('[data-testid="log-line"][data-target="true"]');
    await expect.poll(() => target.count(), { timeout: 15_000 }).toBe(1);
    expect(await following()).toBe('false');
    // The marked line is the first at or after the incident's time.
    const seq = Number(await target.getAttribute('data-seq'));
    const tail = await rpc<{ seq: number; ts: string }[]>('logs:tail', { limit: 100_000 });
    const at = Date.parse(incident!.at);
    const index = tail.findIndex((line) => line.seq === seq);
    expect(index).toBeGreaterThan(0);
    expect(Date.parse(tail[index]!.ts)).toBeGreaterThanOrEqual(at);
    expect(Date.parse(tail[index - 1]!.ts)).toBeLessThan(at);
    if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT });
  });
});
